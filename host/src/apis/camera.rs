//! rdk:component:camera, `viam.component.camera.v1.CameraService`. A raw
//! frame for a guest's `camera-capture` import is not a camera method but a
//! capability of built-in cameras (`Call::CaptureFrame`).

use serde_json::Value as Json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{Blob, CaptureMethod, DataKind, Payload, any_params, unexpected as unexpected_sample};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::exports::armature::module::camera::{Distortion, Image, Intrinsics, PointCloud, Properties};
use crate::core::bindings::{Answer, Module, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::camera::v1 as pb;
use crate::core::proto::viam::component::camera::v1::camera_service_server::CameraService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Camera;

/// Image MIME types a client can decode (Viam's own included).
pub const IMAGE_MIME_TYPES: &[&str] = &["image/jpeg", "image/png", "image/vnd.viam.rgba", "image/vnd.viam.dep"];

#[derive(Debug, Clone)]
pub enum Call {
    GetImages { filter: Vec<String>, extra: Value },
    GetPointCloud { mime_type: String, extra: Value },
    GetProperties,
}

#[derive(Debug, Clone)]
pub enum Reply {
    Images(Vec<Image>),
    PointCloud(PointCloud),
    Properties(Properties),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::GetImages { .. } => "GetImages",
            Call::GetPointCloud { .. } => "GetPointCloud",
            Call::GetProperties => "GetProperties",
        }
    }
}

/// Enters the guest's `camera` interface.
pub async fn enter<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let c = &g.camera;
    Ok(match call {
        Call::GetImages { filter, extra } => c.call_get_images(s, r, &filter, &extra).await?.map(Reply::Images),
        Call::GetPointCloud { mime_type, extra } => c
            .call_get_point_cloud(s, r, &mime_type, &extra)
            .await?
            .map(Reply::PointCloud),
        Call::GetProperties => c.call_get_properties(s, r).await?.map(Reply::Properties),
    })
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    CaptureMethod {
        name: "GetImages",
        kind: DataKind::Binary,
        required: &[],
        check: any_params,
        call: |p, extra| Call::GetImages {
            filter: p
                .get("filter_source_names")
                .and_then(Json::as_array)
                .map(|names| names.iter().filter_map(|n| n.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            extra,
        },
        payload: |r, _| match r {
            Reply::Images(images) => Ok(Payload::Binary(
                images
                    .into_iter()
                    .map(|i| Blob::from_source(i.mime_type, i.data, i.source_name))
                    .collect(),
            )),
            other => Err(unexpected_sample(other)),
        },
    },
    CaptureMethod {
        name: "ReadImage",
        kind: DataKind::Binary,
        required: &[],
        check: any_params,
        call: |_, extra| Call::GetImages {
            filter: Vec::new(),
            extra,
        },
        // Viam: the first image of the requested type, else the first.
        payload: |r, p| {
            let Reply::Images(mut images) = r else {
                return Err(unexpected_sample(r));
            };
            let wanted = p.get("mime_type").and_then(Json::as_str).unwrap_or("image/jpeg");
            if images.is_empty() {
                return Err(CallError::internal("the camera returned no image"));
            }
            let pick = images.iter().position(|i| i.mime_type == wanted).unwrap_or(0);
            let i = images.swap_remove(pick);
            Ok(Payload::Binary(vec![Blob {
                mime_type: i.mime_type,
                data: i.data,
                annotations: None,
            }]))
        },
    },
];

pub struct CameraApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> CameraService for CameraApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_images(
        &self,
        request: Request<pb::GetImagesRequest>,
    ) -> Result<Response<pb::GetImagesResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetImages {
            filter: r.filter_source_names,
            extra: extra(r.extra.as_ref()),
        };
        let images = match self.0.ask(KIND, &r.name, call).await? {
            Reply::Images(images) => images,
            other => return Err(unexpected(KIND, other)),
        };
        let mut out = Vec::with_capacity(images.len());
        for image in images {
            if !IMAGE_MIME_TYPES.contains(&image.mime_type.as_str()) {
                return Err(Status::internal(format!(
                    "camera {:?} returned an image of unknown MIME type {:?} (expected one of {IMAGE_MIME_TYPES:?})",
                    r.name, image.mime_type
                )));
            }
            out.push(pb::Image {
                source_name: image.source_name,
                image: image.data,
                mime_type: image.mime_type,
                annotations: None,
            });
        }
        let now = prost_types::Timestamp::from(std::time::SystemTime::now());
        Ok(Response::new(pb::GetImagesResponse {
            images: out,
            response_metadata: Some(common::ResponseMetadata { captured_at: Some(now) }),
        }))
    }

    async fn get_point_cloud(
        &self,
        request: Request<pb::GetPointCloudRequest>,
    ) -> Result<Response<pb::GetPointCloudResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetPointCloud {
            mime_type: r.mime_type,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::PointCloud(pc) => Ok(Response::new(pb::GetPointCloudResponse {
                mime_type: pc.mime_type,
                point_cloud: pc.data,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        let p = match self.0.ask(KIND, &r.name, Call::GetProperties).await? {
            Reply::Properties(p) => p,
            other => return Err(unexpected(KIND, other)),
        };
        Ok(Response::new(pb::GetPropertiesResponse {
            supports_pcd: p.supports_pcd,
            intrinsic_parameters: p.intrinsics.map(|i| pb::IntrinsicParameters {
                width_px: i.width_px,
                height_px: i.height_px,
                focal_x_px: i.focal_x_px,
                focal_y_px: i.focal_y_px,
                center_x_px: i.center_x_px,
                center_y_px: i.center_y_px,
            }),
            distortion_parameters: p.distortion.map(|d| pb::DistortionParameters {
                model: d.model,
                parameters: d.parameters,
            }),
            mime_types: p.mime_types,
            frame_rate: p.frame_rate,
            extrinsic_parameters: None,
            default_reference_frame: String::new(),
        }))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        self.0
            .get_geometries(KIND, request.into_inner())
            .await
            .map(Response::new)
    }
}

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::CameraMethod> for Call {
    fn from(m: dep::CameraMethod) -> Self {
        match m {
            dep::CameraMethod::GetImages((filter, extra)) => Call::GetImages { filter, extra },
            dep::CameraMethod::GetPointCloud((mime_type, extra)) => Call::GetPointCloud { mime_type, extra },
            dep::CameraMethod::GetProperties => Call::GetProperties,
        }
    }
}

impl From<Reply> for dep::CameraAnswer {
    fn from(r: Reply) -> Self {
        use dep::CameraAnswer as A;
        match r {
            Reply::Images(images) => A::Images(
                images
                    .into_iter()
                    .map(|i| crate::core::bindings::armature::module::api_types::Image {
                        source_name: i.source_name,
                        mime_type: i.mime_type,
                        data: i.data,
                    })
                    .collect(),
            ),
            Reply::PointCloud(p) => A::PointCloud(dep::PointCloud {
                mime_type: p.mime_type,
                data: p.data,
            }),
            Reply::Properties(p) => A::Properties(dep::CameraProperties {
                supports_pcd: p.supports_pcd,
                intrinsics: p.intrinsics.map(|i| dep::Intrinsics {
                    width_px: i.width_px,
                    height_px: i.height_px,
                    focal_x_px: i.focal_x_px,
                    focal_y_px: i.focal_y_px,
                    center_x_px: i.center_x_px,
                    center_y_px: i.center_y_px,
                }),
                distortion: p.distortion.map(|d| dep::Distortion {
                    model: d.model,
                    parameters: d.parameters,
                }),
                mime_types: p.mime_types,
                frame_rate: p.frame_rate,
            }),
        }
    }
}

/// The call on a camera another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::GetImages { filter, extra } => {
            let request = pb::GetImagesRequest {
                name,
                filter_source_names: filter,
                extra: wire(extra)?,
            };
            let r: pb::GetImagesResponse = u.unary("GetImages", request).await?;
            Reply::Images(
                r.images
                    .into_iter()
                    .map(|i| Image {
                        source_name: i.source_name,
                        mime_type: i.mime_type,
                        data: i.image,
                    })
                    .collect(),
            )
        }
        Call::GetPointCloud { mime_type, extra } => {
            let request = pb::GetPointCloudRequest {
                name,
                mime_type,
                extra: wire(extra)?,
            };
            let r: pb::GetPointCloudResponse = u.unary("GetPointCloud", request).await?;
            Reply::PointCloud(PointCloud {
                mime_type: r.mime_type,
                data: r.point_cloud,
            })
        }
        Call::GetProperties => {
            let r: pb::GetPropertiesResponse = u.unary("GetProperties", pb::GetPropertiesRequest { name }).await?;
            Reply::Properties(Properties {
                supports_pcd: r.supports_pcd,
                intrinsics: r.intrinsic_parameters.map(|i| Intrinsics {
                    width_px: i.width_px,
                    height_px: i.height_px,
                    focal_x_px: i.focal_x_px,
                    focal_y_px: i.focal_y_px,
                    center_x_px: i.center_x_px,
                    center_y_px: i.center_y_px,
                }),
                distortion: r.distortion_parameters.map(|d| Distortion {
                    model: d.model,
                    parameters: d.parameters,
                }),
                mime_types: r.mime_types,
                frame_rate: r.frame_rate,
            })
        }
    })
}
