//! The methods every API (or several) share, served by one function each:
//! DoCommand, GetGeometries, GetReadings.

use tonic::{Response, Status};

use crate::core::api::ApiKind;
use crate::core::call::Call;
use crate::core::proto::viam::common::v1 as common;
use crate::core::values;
use crate::grpc::host::Host;
use crate::grpc::status::{from_tree_error, mismatch};

/// GetReadings, for every API that has it.
pub async fn get_readings(
    host: &Host,
    kind: ApiKind,
    r: common::GetReadingsRequest,
) -> Result<Response<common::GetReadingsResponse>, Status> {
    let reply = host
        .call(
            kind,
            &r.name,
            Call::GetReadings(values::struct_to_nodes(r.extra.as_ref())),
        )
        .await?;
    let nodes = reply.into_value().map_err(mismatch)?;
    let readings = values::nodes_to_fields(nodes).map_err(|e| from_tree_error(&r.name, e))?;
    Ok(Response::new(common::GetReadingsResponse { readings }))
}

/// DoCommand, for every API.
pub async fn do_command(
    host: &Host,
    kind: ApiKind,
    r: common::DoCommandRequest,
) -> Result<Response<common::DoCommandResponse>, Status> {
    let reply = host
        .call(
            kind,
            &r.name,
            Call::DoCommand(values::struct_to_nodes(r.command.as_ref())),
        )
        .await?;
    let nodes = reply.into_value().map_err(mismatch)?;
    let result = values::nodes_to_struct(nodes).map_err(|e| from_tree_error(&r.name, e))?;
    Ok(Response::new(common::DoCommandResponse { result: Some(result) }))
}

/// GetGeometries, for every API that has it.
pub async fn get_geometries(
    host: &Host,
    kind: ApiKind,
    r: common::GetGeometriesRequest,
) -> Result<Response<common::GetGeometriesResponse>, Status> {
    let reply = host
        .call(
            kind,
            &r.name,
            Call::GetGeometries(values::struct_to_nodes(r.extra.as_ref())),
        )
        .await?;
    let geometries = reply.into_geometries().map_err(mismatch)?;
    Ok(Response::new(common::GetGeometriesResponse {
        geometries: geometries.into_iter().map(geometry).collect(),
    }))
}

fn geometry(g: crate::core::bindings::armature::module::types::Geometry) -> common::Geometry {
    use crate::core::bindings::armature::module::types::Shape;
    use common::geometry::GeometryType;
    let c = g.center;
    let geometry_type = match g.shape {
        Shape::Point => None,
        Shape::Sphere(radius_mm) => Some(GeometryType::Sphere(common::Sphere { radius_mm })),
        Shape::Box(d) => Some(GeometryType::Box(common::RectangularPrism {
            dims_mm: Some(common::Vector3 { x: d.x, y: d.y, z: d.z }),
        })),
        Shape::Capsule((radius_mm, length_mm)) => Some(GeometryType::Capsule(common::Capsule { radius_mm, length_mm })),
    };
    common::Geometry {
        center: Some(common::Pose {
            x: c.x,
            y: c.y,
            z: c.z,
            o_x: c.o_x,
            o_y: c.o_y,
            o_z: c.o_z,
            theta: c.theta,
        }),
        label: g.label,
        geometry_type,
    }
}
