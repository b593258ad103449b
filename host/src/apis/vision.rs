//! rdk:service:vision, `viam.service.vision.v1.VisionService`: detections
//! and classifications of an image (sent, or the next one of a named
//! camera), object point clouds, the service's properties, and all of
//! those at once on one image. What a model does not support, it answers
//! with UNIMPLEMENTED and says so in GetProperties. No GetGeometries.

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use serde_json::Value as Json;

use crate::apis::capture::{Blob, CaptureMethod, DataKind, Params, Payload, param, unexpected as unexpected_sample};
use crate::apis::convert::{geometry_from_proto, geometry_to_proto, invalid};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire, value};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::{
    CaptureAll, CaptureParts, Classification, Detection, Image, PointCloudObject, VisionProperties,
};
use crate::core::bindings::armature::module::vision_calls::{VisionAnswer, VisionMethod};
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::image_codec;
use crate::core::proto::viam::app::data::v1 as data;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::camera::v1 as camera_pb;
use crate::core::proto::viam::service::vision::v1 as pb;
use crate::core::proto::viam::service::vision::v1::vision_service_server::VisionService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Vision;

/// The MIME type Viam's clients ask point clouds in.
const PCD: &str = "pointcloud/pcd";

#[derive(Debug, Clone)]
pub enum Call {
    GetDetectionsFromCamera {
        camera_name: String,
        extra: Value,
    },
    GetDetections {
        image: Image,
        extra: Value,
    },
    GetClassificationsFromCamera {
        camera_name: String,
        n: u32,
        extra: Value,
    },
    GetClassifications {
        image: Image,
        n: u32,
        extra: Value,
    },
    GetObjectPointClouds {
        camera_name: String,
        mime_type: String,
        extra: Value,
    },
    GetProperties(Value),
    CaptureAllFromCamera {
        camera_name: String,
        parts: CaptureParts,
        extra: Value,
    },
}

#[derive(Debug, Clone)]
pub enum Reply {
    Detections(Vec<Detection>),
    Classifications(Vec<Classification>),
    Objects(Vec<PointCloudObject>),
    Properties(VisionProperties),
    CaptureAll(CaptureAll),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::GetDetectionsFromCamera { .. } => "GetDetectionsFromCamera",
            Call::GetDetections { .. } => "GetDetections",
            Call::GetClassificationsFromCamera { .. } => "GetClassificationsFromCamera",
            Call::GetClassifications { .. } => "GetClassifications",
            Call::GetObjectPointClouds { .. } => "GetObjectPointClouds",
            Call::GetProperties(_) => "GetProperties",
            Call::CaptureAllFromCamera { .. } => "CaptureAllFromCamera",
        }
    }
}

/// Enters the guest's `vision` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let v = &g.vision;
    Ok(match call {
        Call::GetDetectionsFromCamera { camera_name, extra } => v
            .call_get_detections_from_camera(s, r, &camera_name, &extra)
            .await?
            .map(Reply::Detections),
        Call::GetDetections { image, extra } => v
            .call_get_detections(s, r, &image, &extra)
            .await?
            .map(Reply::Detections),
        Call::GetClassificationsFromCamera { camera_name, n, extra } => v
            .call_get_classifications_from_camera(s, r, &camera_name, n, &extra)
            .await?
            .map(Reply::Classifications),
        Call::GetClassifications { image, n, extra } => v
            .call_get_classifications(s, r, &image, n, &extra)
            .await?
            .map(Reply::Classifications),
        Call::GetObjectPointClouds {
            camera_name,
            mime_type,
            extra,
        } => v
            .call_get_object_point_clouds(s, r, &camera_name, &mime_type, &extra)
            .await?
            .map(Reply::Objects),
        Call::GetProperties(x) => v.call_get_properties(s, r, &x).await?.map(Reply::Properties),
        Call::CaptureAllFromCamera {
            camera_name,
            parts,
            extra,
        } => v
            .call_capture_all_from_camera(s, r, &camera_name, parts, &extra)
            .await?
            .map(Reply::CaptureAll),
    })
}

/// CaptureAllFromCamera, as Viam's vision collector: one image of
/// `camera_name` per sample, a file of its own, annotated with the boxes
/// and classes found in it at or above `min_confidence_score` (0..1).
pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[CaptureMethod {
    name: "CaptureAllFromCamera",
    kind: DataKind::Binary,
    required: &["camera_name"],
    check: |p| min_confidence(p).map(drop),
    call: |p, extra| Call::CaptureAllFromCamera {
        camera_name: param(p, "camera_name"),
        parts: CaptureParts::IMAGE | CaptureParts::DETECTIONS | CaptureParts::CLASSIFICATIONS,
        extra,
    },
    payload: |r, p| match r {
        Reply::CaptureAll(all) => annotated(all, min_confidence(p).unwrap_or(0.0)),
        other => Err(unexpected_sample(other)),
    },
}];

const MIN_CONFIDENCE: &str = "min_confidence_score";

/// `min_confidence_score`, a number (or a number written as a string) in
/// 0..1; none is 0.
fn min_confidence(p: &Params) -> Result<f64, (&'static str, String)> {
    let Some(given) = p.get(MIN_CONFIDENCE).filter(|v| !v.is_null()) else {
        return Ok(0.0);
    };
    let n = match given {
        Json::String(s) => s.trim().parse::<f64>().ok(),
        v => v.as_f64(),
    };
    match n {
        Some(n) if (0.0..=1.0).contains(&n) => Ok(n),
        _ => Err((MIN_CONFIDENCE, format!("must be a number within 0..1, got {given}"))),
    }
}

/// The image, annotated with what was found at or above `min` confidence.
/// Viam's annotations hold boxes as shares of the image: a box the model
/// gave only in pixels is divided by the image's size, read from its
/// header; one with neither (or of an image whose size cannot be read) is
/// left out.
fn annotated(all: CaptureAll, min: f64) -> Result<Payload, CallError> {
    let image = all
        .image
        .ok_or_else(|| CallError::internal("CaptureAllFromCamera answered no image"))?;
    let size = match all.detections.iter().all(|d| shares(d).is_some()) {
        true => None,
        false => image_codec::dimensions_of(&image.mime_type, &image.data).ok(),
    };
    let bboxes = all
        .detections
        .into_iter()
        .filter(|d| d.confidence >= min)
        .filter_map(|d| {
            let [x_min, y_min, x_max, y_max] = shares(&d).or_else(|| pixels_as_shares(&d, size?))?;
            Some(data::BoundingBox {
                id: String::new(),
                label: d.class_name,
                x_min_normalized: x_min,
                y_min_normalized: y_min,
                x_max_normalized: x_max,
                y_max_normalized: y_max,
                confidence: Some(d.confidence),
            })
        })
        .collect();
    let classifications = all
        .classifications
        .into_iter()
        .filter(|c| c.confidence >= min)
        .map(|c| data::Classification {
            label: c.class_name,
            confidence: Some(c.confidence),
            id: String::new(),
        })
        .collect();
    Ok(Payload::Binary(vec![Blob {
        mime_type: image.mime_type,
        data: image.data,
        annotations: Some(data::Annotations {
            bboxes,
            classifications,
        }),
    }]))
}

/// A box's corners as the model gave them in shares of the image.
fn shares(d: &Detection) -> Option<[f64; 4]> {
    Some([
        d.x_min_normalized?,
        d.y_min_normalized?,
        d.x_max_normalized?,
        d.y_max_normalized?,
    ])
}

/// A box's pixel corners as shares of a `width` x `height` image.
fn pixels_as_shares(d: &Detection, (width, height): (u32, u32)) -> Option<[f64; 4]> {
    if width == 0 || height == 0 {
        return None;
    }
    let (w, h) = (f64::from(width), f64::from(height));
    Some([
        d.x_min? as f64 / w,
        d.y_min? as f64 / h,
        d.x_max? as f64 / w,
        d.y_max? as f64 / h,
    ])
}

// Between the wire and WIT.

fn detection_to_proto(d: Detection) -> pb::Detection {
    pb::Detection {
        x_min: d.x_min,
        y_min: d.y_min,
        x_max: d.x_max,
        y_max: d.y_max,
        confidence: d.confidence,
        class_name: d.class_name,
        x_min_normalized: d.x_min_normalized,
        y_min_normalized: d.y_min_normalized,
        x_max_normalized: d.x_max_normalized,
        y_max_normalized: d.y_max_normalized,
    }
}

fn detection_from_proto(d: pb::Detection) -> Detection {
    Detection {
        x_min: d.x_min,
        y_min: d.y_min,
        x_max: d.x_max,
        y_max: d.y_max,
        x_min_normalized: d.x_min_normalized,
        y_min_normalized: d.y_min_normalized,
        x_max_normalized: d.x_max_normalized,
        y_max_normalized: d.y_max_normalized,
        confidence: d.confidence,
        class_name: d.class_name,
    }
}

fn classification_to_proto(c: Classification) -> pb::Classification {
    pb::Classification {
        class_name: c.class_name,
        confidence: c.confidence,
    }
}

fn classification_from_proto(c: pb::Classification) -> Classification {
    Classification {
        class_name: c.class_name,
        confidence: c.confidence,
    }
}

fn object_to_proto(o: PointCloudObject) -> common::PointCloudObject {
    common::PointCloudObject {
        point_cloud: o.point_cloud,
        geometries: Some(common::GeometriesInFrame {
            reference_frame: o.reference_frame,
            geometries: o.geometries.into_iter().map(geometry_to_proto).collect(),
        }),
    }
}

fn object_from_proto(o: common::PointCloudObject, mime_type: &str) -> PointCloudObject {
    let frame = o.geometries.unwrap_or_default();
    PointCloudObject {
        mime_type: mime_type.to_string(),
        point_cloud: o.point_cloud,
        reference_frame: frame.reference_frame,
        geometries: frame.geometries.into_iter().map(geometry_from_proto).collect(),
    }
}

/// The mime type the objects are in: theirs, or, with none, the one asked for.
fn objects_mime_type(objects: &[PointCloudObject], asked: &str) -> String {
    match objects.first() {
        Some(o) if !o.mime_type.is_empty() => o.mime_type.clone(),
        _ => asked.to_string(),
    }
}

fn properties_to_proto(p: VisionProperties) -> pb::GetPropertiesResponse {
    pb::GetPropertiesResponse {
        classifications_supported: p.classifications_supported,
        detections_supported: p.detections_supported,
        object_point_clouds_supported: p.object_point_clouds_supported,
        default_camera: p.default_camera,
    }
}

/// An image sent for detection or classification: bytes and their type. A
/// client that names no type sent what Viam's clients send, a JPEG.
fn sent_image(data: Vec<u8>, mime_type: String) -> Image {
    Image {
        source_name: String::new(),
        mime_type: match mime_type.is_empty() {
            true => "image/jpeg".to_string(),
            false => mime_type,
        },
        data,
    }
}

/// `n`, the number of classifications asked for: not negative.
fn count(name: &str, method: &str, n: i32) -> Result<u32, Status> {
    u32::try_from(n).map_err(|_| invalid(KIND, name, method, "n", format!("must not be negative, got {n}")))
}

fn parts_of(r: &pb::CaptureAllFromCameraRequest) -> CaptureParts {
    let mut parts = CaptureParts::empty();
    for (asked, part) in [
        (r.return_image, CaptureParts::IMAGE),
        (r.return_classifications, CaptureParts::CLASSIFICATIONS),
        (r.return_detections, CaptureParts::DETECTIONS),
        (r.return_object_point_clouds, CaptureParts::OBJECT_POINT_CLOUDS),
    ] {
        if asked {
            parts |= part;
        }
    }
    parts
}

pub struct VisionApi<R>(pub R);

impl<R: Resources> VisionApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn detections(&self, name: &str, call: Call) -> Result<Vec<pb::Detection>, Status> {
        match self.0.ask(KIND, name, call).await? {
            Reply::Detections(d) => Ok(d.into_iter().map(detection_to_proto).collect()),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn classifications(&self, name: &str, call: Call) -> Result<Vec<pb::Classification>, Status> {
        match self.0.ask(KIND, name, call).await? {
            Reply::Classifications(c) => Ok(c.into_iter().map(classification_to_proto).collect()),
            other => Err(unexpected(KIND, other)),
        }
    }
}

#[tonic::async_trait]
impl<R: Resources> VisionService for VisionApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_detections_from_camera(
        &self,
        request: Request<pb::GetDetectionsFromCameraRequest>,
    ) -> Result<Response<pb::GetDetectionsFromCameraResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetDetectionsFromCamera {
            camera_name: r.camera_name,
            extra: extra(r.extra.as_ref()),
        };
        let detections = self.detections(&r.name, call).await?;
        Ok(Response::new(pb::GetDetectionsFromCameraResponse { detections }))
    }

    async fn get_detections(
        &self,
        request: Request<pb::GetDetectionsRequest>,
    ) -> Result<Response<pb::GetDetectionsResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetDetections {
            image: sent_image(r.image, r.mime_type),
            extra: extra(r.extra.as_ref()),
        };
        let detections = self.detections(&r.name, call).await?;
        Ok(Response::new(pb::GetDetectionsResponse { detections }))
    }

    async fn get_classifications_from_camera(
        &self,
        request: Request<pb::GetClassificationsFromCameraRequest>,
    ) -> Result<Response<pb::GetClassificationsFromCameraResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetClassificationsFromCamera {
            n: count(&r.name, "GetClassificationsFromCamera", r.n)?,
            camera_name: r.camera_name,
            extra: extra(r.extra.as_ref()),
        };
        let classifications = self.classifications(&r.name, call).await?;
        Ok(Response::new(pb::GetClassificationsFromCameraResponse {
            classifications,
        }))
    }

    async fn get_classifications(
        &self,
        request: Request<pb::GetClassificationsRequest>,
    ) -> Result<Response<pb::GetClassificationsResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetClassifications {
            n: count(&r.name, "GetClassifications", r.n)?,
            image: sent_image(r.image, r.mime_type),
            extra: extra(r.extra.as_ref()),
        };
        let classifications = self.classifications(&r.name, call).await?;
        Ok(Response::new(pb::GetClassificationsResponse { classifications }))
    }

    async fn get_object_point_clouds(
        &self,
        request: Request<pb::GetObjectPointCloudsRequest>,
    ) -> Result<Response<pb::GetObjectPointCloudsResponse>, Status> {
        let r = request.into_inner();
        let asked = match r.mime_type.is_empty() {
            true => PCD.to_string(),
            false => r.mime_type,
        };
        let call = Call::GetObjectPointClouds {
            camera_name: r.camera_name,
            mime_type: asked.clone(),
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::Objects(objects) => Ok(Response::new(pb::GetObjectPointCloudsResponse {
                mime_type: objects_mime_type(&objects, &asked),
                objects: objects.into_iter().map(object_to_proto).collect(),
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetProperties(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Properties(p) => Ok(Response::new(properties_to_proto(p))),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn capture_all_from_camera(
        &self,
        request: Request<pb::CaptureAllFromCameraRequest>,
    ) -> Result<Response<pb::CaptureAllFromCameraResponse>, Status> {
        let r = request.into_inner();
        let call = Call::CaptureAllFromCamera {
            parts: parts_of(&r),
            camera_name: r.camera_name.clone(),
            extra: extra(r.extra.as_ref()),
        };
        let all = match self.0.ask(KIND, &r.name, call).await? {
            Reply::CaptureAll(all) => all,
            other => return Err(unexpected(KIND, other)),
        };
        // As Viam's Python module server does: the image is the named
        // camera's, and `extra` is always sent.
        let image = all.image.map(|i| camera_pb::Image {
            source_name: match i.source_name.is_empty() {
                true => r.camera_name.clone(),
                false => i.source_name,
            },
            image: i.data,
            mime_type: i.mime_type,
            annotations: None,
        });
        Ok(Response::new(pb::CaptureAllFromCameraResponse {
            image,
            detections: all.detections.into_iter().map(detection_to_proto).collect(),
            classifications: all.classifications.into_iter().map(classification_to_proto).collect(),
            objects: all.objects.into_iter().map(object_to_proto).collect(),
            extra: Some(wire(all.extra)?.unwrap_or_default()),
        }))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }
}

// A dependent guest's calls (`vision-calls` import), in the same shapes.

impl From<VisionMethod> for Call {
    fn from(m: VisionMethod) -> Self {
        use VisionMethod as M;
        match m {
            M::GetDetectionsFromCamera((camera_name, extra)) => Call::GetDetectionsFromCamera { camera_name, extra },
            M::GetDetections((image, extra)) => Call::GetDetections { image, extra },
            M::GetClassificationsFromCamera((camera_name, n, extra)) => {
                Call::GetClassificationsFromCamera { camera_name, n, extra }
            }
            M::GetClassifications((image, n, extra)) => Call::GetClassifications { image, n, extra },
            M::GetObjectPointClouds((camera_name, mime_type, extra)) => Call::GetObjectPointClouds {
                camera_name,
                mime_type,
                extra,
            },
            M::GetProperties(x) => Call::GetProperties(x),
            M::CaptureAllFromCamera((camera_name, parts, extra)) => Call::CaptureAllFromCamera {
                camera_name,
                parts,
                extra,
            },
        }
    }
}

impl From<Reply> for VisionAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Detections(d) => VisionAnswer::Detections(d),
            Reply::Classifications(c) => VisionAnswer::Classifications(c),
            Reply::Objects(o) => VisionAnswer::Objects(o),
            Reply::Properties(p) => VisionAnswer::Properties(p),
            Reply::CaptureAll(a) => VisionAnswer::CaptureAll(a),
        }
    }
}

/// The call on a vision service another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    let n = |n: u32| i32::try_from(n).map_err(|_| Status::invalid_argument(format!("n: {n} is too large")));
    Ok(match call {
        Call::GetDetectionsFromCamera { camera_name, extra } => {
            let request = pb::GetDetectionsFromCameraRequest {
                name,
                camera_name,
                extra: wire(extra)?,
            };
            let r: pb::GetDetectionsFromCameraResponse = u.unary("GetDetectionsFromCamera", request).await?;
            Reply::Detections(r.detections.into_iter().map(detection_from_proto).collect())
        }
        Call::GetDetections { image, extra } => {
            // Width and height go as 0 (unknown here): Viam's servers read
            // the image's own and ignore them.
            let request = pb::GetDetectionsRequest {
                name,
                image: image.data,
                mime_type: image.mime_type,
                extra: wire(extra)?,
                ..Default::default()
            };
            let r: pb::GetDetectionsResponse = u.unary("GetDetections", request).await?;
            Reply::Detections(r.detections.into_iter().map(detection_from_proto).collect())
        }
        Call::GetClassificationsFromCamera {
            camera_name,
            n: count,
            extra,
        } => {
            let request = pb::GetClassificationsFromCameraRequest {
                name,
                camera_name,
                n: n(count)?,
                extra: wire(extra)?,
            };
            let r: pb::GetClassificationsFromCameraResponse = u.unary("GetClassificationsFromCamera", request).await?;
            Reply::Classifications(r.classifications.into_iter().map(classification_from_proto).collect())
        }
        Call::GetClassifications { image, n: count, extra } => {
            let request = pb::GetClassificationsRequest {
                name,
                image: image.data,
                mime_type: image.mime_type,
                n: n(count)?,
                extra: wire(extra)?,
                ..Default::default()
            };
            let r: pb::GetClassificationsResponse = u.unary("GetClassifications", request).await?;
            Reply::Classifications(r.classifications.into_iter().map(classification_from_proto).collect())
        }
        Call::GetObjectPointClouds {
            camera_name,
            mime_type,
            extra,
        } => {
            let request = pb::GetObjectPointCloudsRequest {
                name,
                camera_name,
                mime_type,
                extra: wire(extra)?,
            };
            let r: pb::GetObjectPointCloudsResponse = u.unary("GetObjectPointClouds", request).await?;
            let mime_type = r.mime_type;
            Reply::Objects(
                r.objects
                    .into_iter()
                    .map(|o| object_from_proto(o, &mime_type))
                    .collect(),
            )
        }
        Call::GetProperties(x) => {
            let request = pb::GetPropertiesRequest { name, extra: wire(x)? };
            let r: pb::GetPropertiesResponse = u.unary("GetProperties", request).await?;
            Reply::Properties(VisionProperties {
                classifications_supported: r.classifications_supported,
                detections_supported: r.detections_supported,
                object_point_clouds_supported: r.object_point_clouds_supported,
                default_camera: r.default_camera,
            })
        }
        Call::CaptureAllFromCamera {
            camera_name,
            parts,
            extra,
        } => {
            let request = pb::CaptureAllFromCameraRequest {
                name,
                camera_name,
                return_image: parts.contains(CaptureParts::IMAGE),
                return_classifications: parts.contains(CaptureParts::CLASSIFICATIONS),
                return_detections: parts.contains(CaptureParts::DETECTIONS),
                return_object_point_clouds: parts.contains(CaptureParts::OBJECT_POINT_CLOUDS),
                extra: wire(extra)?,
            };
            let r: pb::CaptureAllFromCameraResponse = u.unary("CaptureAllFromCamera", request).await?;
            Reply::CaptureAll(CaptureAll {
                image: r.image.map(|i| Image {
                    source_name: i.source_name,
                    mime_type: i.mime_type,
                    data: i.image,
                }),
                detections: r.detections.into_iter().map(detection_from_proto).collect(),
                classifications: r.classifications.into_iter().map(classification_from_proto).collect(),
                objects: r.objects.into_iter().map(|o| object_from_proto(o, PCD)).collect(),
                extra: value(r.extra),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(label: &str, confidence: f64, normalized: bool) -> Detection {
        let share = |v: f64| normalized.then_some(v);
        Detection {
            x_min: Some(10),
            y_min: Some(20),
            x_max: Some(30),
            y_max: Some(40),
            x_min_normalized: share(0.1),
            y_min_normalized: share(0.2),
            x_max_normalized: share(0.3),
            y_max_normalized: share(0.4),
            confidence,
            class_name: label.into(),
        }
    }

    /// A raw RGBA frame of 100x50 pixels.
    fn frame() -> Image {
        let mut data = b"RGBA".to_vec();
        data.extend(100u32.to_be_bytes());
        data.extend(50u32.to_be_bytes());
        data.extend(vec![0; 100 * 50 * 4]);
        Image {
            source_name: "cam".into(),
            mime_type: "image/vnd.viam.rgba".into(),
            data,
        }
    }

    #[test]
    fn a_capture_keeps_what_is_at_least_as_confident_as_asked() {
        let all = CaptureAll {
            image: Some(frame()),
            detections: vec![
                detection("low", 0.3, true),
                detection("high", 0.7, true),
                // Pixels only: divided by the frame's size.
                detection("pixels", 0.9, false),
            ],
            classifications: vec![
                Classification {
                    class_name: "maybe".into(),
                    confidence: 0.2,
                },
                Classification {
                    class_name: "sure".into(),
                    confidence: 0.9,
                },
            ],
            objects: Vec::new(),
            extra: Vec::new(),
        };
        let Payload::Binary(blobs) = annotated(all, 0.5).unwrap() else {
            panic!("a capture of an image is binary");
        };
        let [blob] = blobs.as_slice() else {
            panic!("one file per sample, got {}", blobs.len());
        };
        assert_eq!(blob.mime_type, "image/vnd.viam.rgba");
        let a = blob.annotations.as_ref().unwrap();
        let boxes: Vec<_> = a.bboxes.iter().map(|b| (b.label.as_str(), b.confidence)).collect();
        assert_eq!(boxes, [("high", Some(0.7)), ("pixels", Some(0.9))]);
        let corners = |b: &data::BoundingBox| {
            [
                b.x_min_normalized,
                b.y_min_normalized,
                b.x_max_normalized,
                b.y_max_normalized,
            ]
        };
        assert_eq!(corners(&a.bboxes[0]), [0.1, 0.2, 0.3, 0.4]);
        // (10, 20)..(30, 40) on 100x50.
        assert_eq!(corners(&a.bboxes[1]), [0.1, 0.4, 0.3, 0.8]);
        let classes: Vec<_> = a.classifications.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(classes, ["sure"]);
    }

    #[test]
    fn a_pixel_box_on_an_image_of_unknown_size_is_left_out() {
        let mut image = frame();
        image.data.truncate(20);
        let all = CaptureAll {
            image: Some(image),
            detections: vec![detection("pixels", 0.9, false), detection("shares", 0.9, true)],
            classifications: Vec::new(),
            objects: Vec::new(),
            extra: Vec::new(),
        };
        let Payload::Binary(blobs) = annotated(all, 0.0).unwrap() else {
            panic!("a capture of an image is binary");
        };
        let labels: Vec<_> = blobs[0]
            .annotations
            .as_ref()
            .unwrap()
            .bboxes
            .iter()
            .map(|b| b.label.clone())
            .collect();
        assert_eq!(labels, ["shares"]);
    }

    #[test]
    fn min_confidence_is_a_number_in_0_to_1() {
        let params = |v: Json| serde_json::from_value::<Params>(serde_json::json!({ MIN_CONFIDENCE: v })).unwrap();
        assert_eq!(min_confidence(&Params::new()), Ok(0.0));
        assert_eq!(min_confidence(&params(Json::from(0.25))), Ok(0.25));
        assert_eq!(min_confidence(&params(Json::from("0.5"))), Ok(0.5));
        for bad in [Json::from(1.5), Json::from(-0.1), Json::from("high")] {
            let (key, why) = min_confidence(&params(bad)).unwrap_err();
            assert_eq!(key, MIN_CONFIDENCE);
            assert!(why.contains("0..1"), "{why}");
        }
    }
}
