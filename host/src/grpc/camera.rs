//! viam.component.camera.v1.CameraService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::call::{Call, Reply};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::camera::v1 as pb;
use crate::core::proto::viam::component::camera::v1::camera_service_server::CameraService;
use crate::core::values::struct_to_nodes as extra;
use crate::grpc::common::{do_command, get_geometries};
use crate::grpc::host::Host;

pub struct CameraApi(pub Host);

const KIND: ApiKind = ApiKind::Camera;

/// Image MIME types a client can decode (Viam's own included).
pub const IMAGE_MIME_TYPES: &[&str] = &["image/jpeg", "image/png", "image/vnd.viam.rgba", "image/vnd.viam.dep"];

#[tonic::async_trait]
impl CameraService for CameraApi {
    async fn get_images(
        &self,
        request: Request<pb::GetImagesRequest>,
    ) -> Result<Response<pb::GetImagesResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetImages {
            filter: r.filter_source_names,
            extra: extra(r.extra.as_ref()),
        };
        let images = self.0.call_as(KIND, &r.name, call, Reply::into_images).await?;
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
        let pc = self.0.call_as(KIND, &r.name, call, Reply::into_point_cloud).await?;
        Ok(Response::new(pb::GetPointCloudResponse {
            mime_type: pc.mime_type,
            point_cloud: pc.data,
        }))
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        let p = self
            .0
            .call_as(KIND, &r.name, Call::CameraProperties, Reply::into_camera_properties)
            .await?;
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
        do_command(&self.0, KIND, request.into_inner()).await
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        get_geometries(&self.0, KIND, request.into_inner()).await
    }
}
