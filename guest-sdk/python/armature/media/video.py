"""Images as Viam's Python SDK hands them around (`viam.media.video`):
`ViamImage`, bytes and their MIME type, and `CameraMimeType`."""

from enum import Enum
from typing import Optional, Tuple


class CameraMimeType(str, Enum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    VIAM_RGBA = "image/vnd.viam.rgba"
    VIAM_RAW_DEPTH = "image/vnd.viam.dep"
    PCD = "pointcloud/pcd"

    @classmethod
    def from_string(cls, value: str) -> "CameraMimeType":
        """A MIME type; Viam's `+lazy` suffix is dropped. One this enum does
        not list stays a plain string (as Viam's `from_string` allows)."""
        value = value.removesuffix("+lazy")
        try:
            return cls(value)
        except ValueError:
            return value  # type: ignore[return-value]


def _dimensions(data: bytes, mime_type: str) -> Tuple[Optional[int], Optional[int]]:
    """Width and height from a PNG's or Viam RGBA's header, or a JPEG's
    frame header; (None, None) when they cannot be read."""
    if mime_type == CameraMimeType.PNG and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if mime_type == CameraMimeType.VIAM_RGBA and data[:4] == b"RGBA" and len(data) >= 12:
        return int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:12], "big")
    if mime_type == CameraMimeType.JPEG and data[:2] == b"\xff\xd8":
        i = 2
        while i + 1 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            if marker == 0xFF:  # fill bytes before a marker
                i += 1
                continue
            if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn: no length
                i += 2
                continue
            if i + 4 > len(data):
                break
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            # Every start of frame (baseline, progressive, lossless,
            # arithmetic); C4, C8 and CC are other segments.
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                if i + 9 <= len(data):
                    return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
                break
            if length < 2:
                break
            i += 2 + length
    return None, None


class ViamImage:
    """An image: its bytes, its MIME type, and (when its header says) its
    width and height."""

    def __init__(self, data: bytes, mime_type: CameraMimeType) -> None:
        self._data = bytes(data)
        self._mime_type = mime_type
        self._width, self._height = _dimensions(self._data, str(getattr(mime_type, "value", mime_type)))

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def mime_type(self) -> CameraMimeType:
        return self._mime_type

    @property
    def width(self) -> Optional[int]:
        return self._width

    @property
    def height(self) -> Optional[int]:
        return self._height

    def __repr__(self) -> str:
        return f"ViamImage({len(self._data)} bytes, {self._mime_type!r})"


def from_record(record) -> ViamImage:
    """The contract's image record (`data`, `mime_type`) as a ViamImage:
    for the SDK's own glue, both ways of a vision call."""
    return ViamImage(bytes(record.data), CameraMimeType.from_string(record.mime_type))


__all__ = ["CameraMimeType", "ViamImage"]
