//! Client sessions (Viam's safety heartbeat). A client starts a session,
//! heartbeats it, and tags safety-monitored calls (motor and servo motion)
//! with its id; when heartbeats stop for longer than the window, the host
//! stops every resource that session moved.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::apis::call::Call;
use crate::resources::slot::ResourceSlot;

struct Session {
    last_heartbeat: Instant,
    /// Resources moved under this session, by full name.
    moved: HashMap<String, Weak<ResourceSlot>>,
}

pub struct Sessions {
    window: Duration,
    live: Mutex<HashMap<String, Session>>,
}

/// A heartbeat for a session that does not exist (or lapsed).
#[derive(Debug, thiserror::Error)]
#[error("SESSION_EXPIRED")]
pub struct Expired;

impl Sessions {
    pub fn new(window: Duration) -> Arc<Self> {
        let sessions = Arc::new(Self {
            window,
            live: Mutex::new(HashMap::new()),
        });
        tokio::spawn(reap(Arc::downgrade(&sessions)));
        sessions
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a session, or resumes `resume` if it is still live.
    pub fn start(&self, resume: &str) -> String {
        let mut live = self.live();
        if let Some(s) = live.get_mut(resume) {
            s.last_heartbeat = Instant::now();
            return resume.to_string();
        }
        let id = uuid::Uuid::new_v4().to_string();
        live.insert(
            id.clone(),
            Session {
                last_heartbeat: Instant::now(),
                moved: HashMap::new(),
            },
        );
        id
    }

    pub fn heartbeat(&self, id: &str) -> Result<(), Expired> {
        let mut live = self.live();
        let session = live.get_mut(id).ok_or(Expired)?;
        session.last_heartbeat = Instant::now();
        Ok(())
    }

    /// Records that `id` moved `slot`. An unknown id is an expired session.
    pub fn moved(&self, id: &str, slot: &Arc<ResourceSlot>) -> Result<(), Expired> {
        let mut live = self.live();
        let session = live.get_mut(id).ok_or(Expired)?;
        session.moved.insert(slot.name.to_string(), Arc::downgrade(slot));
        Ok(())
    }

    pub fn ids(&self) -> Vec<String> {
        self.live().keys().cloned().collect()
    }

    /// Removes lapsed sessions and returns what they moved.
    fn lapse(&self) -> Vec<(String, Vec<Arc<ResourceSlot>>)> {
        let now = Instant::now();
        let mut live = self.live();
        let expired: Vec<String> = live
            .iter()
            .filter(|(_, s)| now.duration_since(s.last_heartbeat) > self.window)
            .map(|(id, _)| id.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|id| {
                live.remove(&id)
                    .map(|s| (id, s.moved.into_values().filter_map(|w| w.upgrade()).collect()))
            })
            .collect()
    }
}

async fn reap(sessions: Weak<Sessions>) {
    loop {
        let Some(s) = sessions.upgrade() else { return };
        let period = (s.window / 4).max(Duration::from_millis(10));
        let lapsed = s.lapse();
        drop(s);
        for (id, slots) in lapsed {
            let mut seen = HashSet::new();
            for slot in slots.into_iter().filter(|s| seen.insert(s.name.clone())) {
                tracing::warn!(session = %id, resource = %slot.name, "session lapsed; stopping what it moved");
                if let Err(e) = slot
                    .call(Call::Stop(crate::core::values::map_to_nodes(&Default::default())))
                    .await
                {
                    tracing::error!(resource = %slot.name, "stop after session lapse failed: {e}");
                }
            }
        }
        tokio::time::sleep(period).await;
    }
}
