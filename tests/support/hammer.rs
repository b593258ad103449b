//! Load for the hot-swap tests: a client calling one sensor in a loop,
//! counting calls and failures, so a test can say "no call failed".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::{SensorServiceClient, eventually, readings};

/// A client calling one sensor in a loop, counting calls and failures.
pub struct Hammer {
    calls: Arc<AtomicU64>,
    failures: Arc<AtomicU64>,
    last: Arc<std::sync::Mutex<Value>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<String>>,
}

impl Hammer {
    pub fn start(client: SensorServiceClient<tonic::transport::Channel>, name: &'static str) -> Self {
        let calls = Arc::new(AtomicU64::new(0));
        let failures = Arc::new(AtomicU64::new(0));
        let last = Arc::new(std::sync::Mutex::new(Value::Null));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, f, l, s) = (calls.clone(), failures.clone(), last.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let mut client = client;
            let mut errors = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match readings(&mut client, name).await {
                    Ok(r) => *l.lock().unwrap() = r,
                    Err(e) => {
                        f.fetch_add(1, Ordering::Relaxed);
                        errors.push(format!("{e:?}"));
                    }
                }
                c.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            errors
        });
        Self {
            calls,
            failures,
            last,
            stop,
            task,
        }
    }

    pub fn last(&self) -> Value {
        self.last.lock().unwrap().clone()
    }

    pub async fn finish(self) -> (u64, u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let errors = self.task.await.unwrap();
        (
            self.calls.load(Ordering::Relaxed),
            self.failures.load(Ordering::Relaxed),
            errors,
        )
    }
}

pub async fn until(what: &str, check: impl Fn() -> bool) {
    eventually(Duration::from_secs(10), what, || {
        let ok = check();
        async move { ok.then_some(()) }
    })
    .await;
}
