//! Conversions several APIs share between the WIT records and Viam's
//! protos (poses, vectors, kinematics), and the check every list-taking
//! method needs: numbers that are finite.

use tonic::Status;

use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::{Kinematics, KinematicsFormat};
use crate::core::bindings::armature::module::types::{Geometry, Pose, Shape, Vector3};
use crate::core::proto::viam::common::v1 as common;

pub fn pose_to_proto(p: Pose) -> common::Pose {
    common::Pose {
        x: p.x,
        y: p.y,
        z: p.z,
        o_x: p.o_x,
        o_y: p.o_y,
        o_z: p.o_z,
        theta: p.theta,
    }
}

/// A missing pose is the origin, as proto3 reads an unset message.
pub fn pose_from_proto(p: Option<common::Pose>) -> Pose {
    let p = p.unwrap_or_default();
    Pose {
        x: p.x,
        y: p.y,
        z: p.z,
        o_x: p.o_x,
        o_y: p.o_y,
        o_z: p.o_z,
        theta: p.theta,
    }
}

pub fn vector_from_proto(v: Option<&common::Vector3>) -> Vector3 {
    let v = v.cloned().unwrap_or_default();
    Vector3 { x: v.x, y: v.y, z: v.z }
}

/// Kinematics another server answered: the file alone (meshes and the
/// structured model have no place in WIT's record).
pub fn kinematics_from_proto(r: common::GetKinematicsResponse) -> Kinematics {
    let format = match common::KinematicsFileFormat::try_from(r.format) {
        Ok(common::KinematicsFileFormat::Sva) => KinematicsFormat::Sva,
        Ok(common::KinematicsFileFormat::Urdf) => KinematicsFormat::Urdf,
        _ => KinematicsFormat::Unspecified,
    };
    Kinematics {
        format,
        data: r.kinematics_data,
    }
}

pub fn kinematics_to_proto(k: Kinematics) -> common::GetKinematicsResponse {
    let format = match k.format {
        KinematicsFormat::Unspecified => common::KinematicsFileFormat::Unspecified,
        KinematicsFormat::Sva => common::KinematicsFileFormat::Sva,
        KinematicsFormat::Urdf => common::KinematicsFileFormat::Urdf,
    };
    common::GetKinematicsResponse {
        format: format as i32,
        kinematics_data: k.data,
        meshes_by_urdf_filepath: Default::default(),
    }
}

/// INVALID_ARGUMENT naming the resource, the method and the field:
/// `arm "arm-1": MoveToJointPositions: positions: …`.
pub fn invalid(api: ApiKind, name: &str, method: &str, field: &str, why: impl std::fmt::Display) -> Status {
    Status::invalid_argument(format!("{} {name:?}: {method}: {field}: {why}", api.info().subtype))
}

/// Every number of `values` finite, else INVALID_ARGUMENT naming which.
pub fn all_finite(api: ApiKind, name: &str, method: &str, field: &str, values: &[f64]) -> Result<(), Status> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(invalid(
            api,
            name,
            method,
            &format!("{field}[{i}]"),
            format!("must be a finite number, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

/// Every coordinate of a pose or vector finite.
pub fn pose_finite(api: ApiKind, name: &str, method: &str, field: &str, p: &Pose) -> Result<(), Status> {
    all_finite(api, name, method, field, &[p.x, p.y, p.z, p.o_x, p.o_y, p.o_z, p.theta])
}

pub fn vector_finite(api: ApiKind, name: &str, method: &str, field: &str, v: &Vector3) -> Result<(), Status> {
    all_finite(api, name, method, field, &[v.x, v.y, v.z])
}

/// `v`, if it is a finite number, else INVALID_ARGUMENT naming the
/// resource, the method and the field.
pub fn finite_in(api: ApiKind, name: &str, method: &str, field: &str, v: f64) -> Result<f64, Status> {
    all_finite(api, name, method, field, &[v]).map(|()| v)
}

pub fn geometry_to_proto(g: Geometry) -> common::Geometry {
    use common::geometry::GeometryType;
    let geometry_type = match g.shape {
        Shape::Point => None,
        Shape::Sphere(radius_mm) => Some(GeometryType::Sphere(common::Sphere { radius_mm })),
        Shape::Box(d) => Some(GeometryType::Box(common::RectangularPrism {
            dims_mm: Some(common::Vector3 { x: d.x, y: d.y, z: d.z }),
        })),
        Shape::Capsule((radius_mm, length_mm)) => Some(GeometryType::Capsule(common::Capsule { radius_mm, length_mm })),
    };
    common::Geometry {
        center: Some(pose_to_proto(g.center)),
        label: g.label,
        geometry_type,
    }
}

/// A geometry another server answered. A shape WIT has no word for (a
/// mesh, a point cloud) keeps its center and label, as a point.
pub fn geometry_from_proto(g: common::Geometry) -> Geometry {
    use common::geometry::GeometryType;
    let shape = match g.geometry_type {
        Some(GeometryType::Sphere(s)) => Shape::Sphere(s.radius_mm),
        Some(GeometryType::Box(b)) => {
            let d = b.dims_mm.unwrap_or_default();
            Shape::Box(Vector3 { x: d.x, y: d.y, z: d.z })
        }
        Some(GeometryType::Capsule(c)) => Shape::Capsule((c.radius_mm, c.length_mm)),
        _ => Shape::Point,
    };
    Geometry {
        center: pose_from_proto(g.center),
        shape,
        label: g.label,
    }
}
