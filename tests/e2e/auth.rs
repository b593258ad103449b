//! API-key authentication: Authenticate trades a key for a token, and every
//! other call (reflection included) needs it.

use armature::core::proto::proto::rpc::v1 as rpc;
use armature::core::proto::proto::rpc::v1::auth_service_client::AuthServiceClient;
use armature_tests::*;
use serde_json::json;
use tonic::Code;

const KEY_ID: &str = "8f2c0f1e-0000-4000-8000-000000000001";

fn config() -> serde_json::Value {
    json!({
        "auth": {"handlers": [{"type": "api-key", "config": {KEY_ID: "sesame", "keys": [KEY_ID]}}]},
        "components": [thermometer("t", 4.0)],
    })
}

fn authenticate(entity: &str, key: &str) -> rpc::AuthenticateRequest {
    api_key_request(entity, key)
}

#[tokio::test]
async fn calls_need_a_token_from_a_valid_key() {
    let host = Armature::start(config());
    let channel = host.channel().await;
    let mut robot = RobotServiceClient::new(channel.clone());
    let e = robot.resource_names(robot::ResourceNamesRequest {}).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::Unauthenticated, "authentication required")
    );

    let mut auth = AuthServiceClient::new(channel.clone());
    let e = auth.authenticate(authenticate(KEY_ID, "wrong")).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let e = auth
        .authenticate(authenticate("someone-else", "sesame"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let token = auth
        .authenticate(authenticate(KEY_ID, "sesame"))
        .await
        .unwrap()
        .into_inner()
        .access_token;

    let mut request = tonic::Request::new(robot::ResourceNamesRequest {});
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let names = robot.resource_names(request).await.unwrap().into_inner().resources;
    assert_eq!(names.len(), 1);

    let mut forged = tonic::Request::new(robot::ResourceNamesRequest {});
    forged
        .metadata_mut()
        .insert("authorization", "Bearer forged".parse().unwrap());
    assert_eq!(
        robot.resource_names(forged).await.unwrap_err().code(),
        Code::Unauthenticated
    );

    let mut sensors = SensorServiceClient::new(channel);
    assert_eq!(
        readings(&mut sensors, "t").await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn without_keys_the_server_is_open_and_authenticate_is_unimplemented() {
    let host = Armature::start(json!({"components": [thermometer("t", 4.0)]}));
    let mut auth = AuthServiceClient::new(host.channel().await);
    assert_eq!(
        auth.authenticate(authenticate(KEY_ID, "x")).await.unwrap_err().code(),
        Code::Unimplemented
    );
    let mut sensors = host.sensors().await;
    assert_eq!(readings(&mut sensors, "t").await.unwrap()["temperature"], json!(4.0));
}
