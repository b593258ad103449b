//! Conversions several APIs share between the WIT records and Viam's
//! protos (poses, vectors, kinematics), and the check every list-taking
//! method needs: numbers that are finite.

use tonic::Status;

use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::{Kinematics, KinematicsFormat};
use crate::core::bindings::armature::module::types::{Pose, Vector3};
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
