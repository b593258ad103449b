//! Planning a config: every resource resolved to its model's provider (a
//! module's component or a built-in model), validated (a guest's
//! `validate` in a throwaway sandbox), its dependencies named, hardware
//! clashes refused, and all of it put in dependency order; then the plan
//! installed as the machine's table of slots. Planning builds nothing: the
//! supervisor does, in that order.

use super::*;
use crate::capabilities::data_dir::DataDir;

impl Machine {
    pub(super) fn install_plan(
        &self,
        inner: &mut Inner,
        config: MachineConfig,
        modules: Vec<Arc<LoadedModule>>,
        module_errors: Problems,
        planned: Planned,
    ) {
        MACHINE_MEMORY.set_limit(config.machine_memory_bytes().unwrap_or_else(default_budget));
        {
            let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
            table.clear();
            // Resources of APIs we do not serve have no slot to call.
            for (name, m) in planned.resources.iter().filter(|(n, _)| ApiKind::of(&n.api).is_some()) {
                table
                    .entry(m.kind)
                    .or_default()
                    .insert(name.name.clone(), m.slot.clone());
            }
        }
        let infos = modules
            .iter()
            .map(|m| ModuleInfo {
                name: m.name.clone(),
                path: m.path.clone(),
                version: m.version(),
                models: m.models.iter().map(|(a, mo)| (a.clone(), mo.to_string())).collect(),
                source: None,
            })
            .collect();
        self.write_info(|i| {
            if i.revision != config.revision {
                i.revision_since = SystemTime::now();
            }
            i.revision = config.revision.clone();
            i.modules = infos;
            i.module_errors = module_errors;
            i.config_error = None;
        });
        inner.config = config;
        inner.modules = modules;
        inner.resources = planned.resources;
        inner.order = planned.order;
    }

    /// Validates one resource as `apply` would and returns the names of
    /// its required and optional dependencies, as written. For a parent that
    /// asks before building (viam-server's ValidateConfig).
    pub async fn validate_resource(
        &self,
        rc: &ResourceConfig,
    ) -> Result<crate::core::bindings::GuestDependencies, String> {
        if let Some(b) = self.builtin(&rc.api.to_string(), rc.model.as_str()) {
            (b.validate)(rc)?;
            return Ok(crate::core::bindings::GuestDependencies {
                required: Vec::new(),
                optional: Vec::new(),
            });
        }
        let hardware = HardwareGrant::parse(&rc.attributes)?;
        let inner = self.inner.lock().await;
        let module = inner
            .modules
            .iter()
            .find(|m| m.provides(&rc.api, &rc.model))
            .cloned()
            .ok_or_else(|| format!("no module provides {} for {}", rc.model, rc.api))?;
        let overrides = rc
            .limits
            .or(&Self::module_limits(&inner.config, Some(&module)))
            .or(&inner.config.limits);
        drop(inner);
        let mut deps = validate(&module, rc, &Limits::with(&overrides)).await?;
        // A granted board or camera is built first.
        deps.required.extend(hardware.board.into_iter().chain(hardware.camera));
        Ok(deps)
    }

    /// Resolves, validates and orders every resource of `config`. Entries of
    /// `previous` whose config and module are unchanged are not validated again.
    pub(super) async fn plan(
        &self,
        config: &MachineConfig,
        modules: &[Arc<LoadedModule>],
        previous: Option<&Inner>,
    ) -> Planned {
        let file = config.file.display().to_string();
        let mut resources = BTreeMap::new();
        for rc in &config.resources {
            let name = rc.resource_name();
            let kind = ApiKind::of(&rc.api);
            let builtin = self.builtin(&rc.api.to_string(), &rc.model.to_string());
            let wasm = modules.iter().find(|m| m.provides(&rc.api, &rc.model)).cloned();
            let overrides = rc
                .limits
                .or(&Self::module_limits(config, wasm.as_deref()))
                .or(&config.limits);
            let module = match builtin {
                Some(b) => Some(Provider::Builtin(b)),
                None => wasm.map(Provider::Wasm),
            };
            let limits = Limits::with(&overrides);
            let label = format!("resource {:?} ({})", rc.name, rc.api);
            let mut problem = None;
            if kind.is_none() {
                problem = Some(format!(
                    "{file}: {label}: field `api`: {} is not an API Armature serves",
                    rc.api
                ));
            } else if module.is_none() {
                let known: Vec<String> = modules
                    .iter()
                    .flat_map(|m| m.models.iter().map(|(a, mo)| format!("{mo} ({a})")))
                    .chain(self.builtins.iter().map(|b| format!("{} ({})", b.model, b.api)))
                    .collect();
                problem = Some(format!(
                    "{file}: {label}: field `model`: no module provides {} for {} (available: {})",
                    rc.model,
                    rc.api,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
            // What the guest asked for last time stands, unless its config,
            // its module or what that module may depend on changed.
            let allowed_in = |c: &MachineConfig| match &module {
                Some(Provider::Wasm(m)) => c
                    .modules
                    .iter()
                    .find(|e| e.name == m.name)
                    .and_then(|e| e.allowed_dependencies.clone()),
                _ => None,
            };
            let prior = previous
                .filter(|p| allowed_in(&p.config) == allowed_in(config))
                .and_then(|p| p.resources.get(&name))
                .filter(|old| old.config.same_resource(rc) && Provider::same(old.module.as_ref(), module.as_ref()));
            // Guests take hardware grants from their attributes; a built-in
            // model's attributes configure its own device.
            let hardware = match &module {
                Some(Provider::Wasm(_)) => HardwareGrant::parse(&rc.attributes).unwrap_or_else(|e| {
                    problem.get_or_insert(format!("{file}: {label}: {e}"));
                    HardwareGrant::default()
                }),
                _ => HardwareGrant::default(),
            };
            let (mut required_names, mut optional_names) = (rc.depends_on.clone(), Vec::new());
            // What the guest asked for, when its module's entry limits that.
            let mut asked: Option<Asked> = None;
            if let (None, Some(module)) = (&problem, &module) {
                match prior {
                    Some(old) => {
                        required_names = old
                            .required
                            .iter()
                            .map(ToString::to_string)
                            .chain(old.unresolved.iter().cloned())
                            .collect();
                        optional_names = old
                            .optional
                            .iter()
                            .map(ToString::to_string)
                            .chain(old.unresolved_optional.iter().cloned())
                            .collect();
                    }
                    None => match module {
                        Provider::Wasm(module) => match validate(module, rc, &limits).await {
                            Ok(deps) => {
                                let entry = config.modules.iter().find(|e| e.name == module.name);
                                if let Some(allowed) = entry.and_then(|e| e.allowed_dependencies.clone()) {
                                    let names = deps.required.iter().chain(&deps.optional).cloned().collect();
                                    asked = Some(Asked {
                                        module: module.name.clone(),
                                        names,
                                        allowed,
                                    });
                                }
                                required_names.extend(deps.required);
                                optional_names.extend(deps.optional);
                            }
                            Err(e) => problem = Some(format!("{file}: {label}: validate: {e}")),
                        },
                        Provider::Builtin(b) => {
                            if let Err(e) = (b.validate)(rc) {
                                problem = Some(format!("{file}: {label}: {e}"));
                            }
                        }
                    },
                }
                // A granted board or camera must be built first.
                required_names.extend(hardware.board.iter().chain(&hardware.camera).cloned());
            }
            let denials = previous
                .and_then(|p| p.resources.get(&name))
                .map(|old| old.denials.clone())
                .unwrap_or_default();
            let slot = match previous.and_then(|p| p.resources.get(&name)) {
                Some(old) => old.slot.clone(),
                None => ResourceSlot::new(
                    name.clone(),
                    kind.unwrap_or(ApiKind::GenericComponent),
                    self.faults.clone(),
                ),
            };
            resources.insert(
                name,
                (
                    Managed {
                        config: rc.clone(),
                        kind: kind.unwrap_or(ApiKind::GenericComponent),
                        module,
                        limits,
                        data_dir: rc.data_dir.then(|| DataDir {
                            root: self.state_dir.join("data"),
                            parts: vec![rc.api.subtype.clone(), rc.name.clone()],
                        }),
                        hardware,
                        board: None,
                        camera: None,
                        denials,
                        required: Vec::new(),
                        optional: Vec::new(),
                        unresolved: Vec::new(),
                        unresolved_optional: Vec::new(),
                        problem,
                        slot,
                        failures: 0,
                        next_attempt: Instant::now(),
                        built_at: None,
                        ever_built: false,
                        optional_present: BTreeSet::new(),
                        next_optional_check: Instant::now() + OPTIONAL_RETRY,
                        pending: None,
                    },
                    required_names,
                    optional_names,
                    asked,
                ),
            );
        }

        // Resolve names against what is configured, then what is outside.
        let mut names: Vec<ResourceName> = resources.keys().cloned().collect();
        names.extend(self.external_names().into_iter().filter(|n| !resources.contains_key(n)));
        let resolve = |written: &str| -> Result<ResourceName, String> {
            if written.contains('/') {
                let full = ResourceName::parse(written).map_err(|e| e.to_string())?;
                return names
                    .iter()
                    .find(|n| **n == full)
                    .cloned()
                    .ok_or_else(|| "not configured".into());
            }
            let matches: Vec<&ResourceName> = names.iter().filter(|n| n.name == written).collect();
            match matches.as_slice() {
                [one] => Ok((*one).clone()),
                [] => Err("not configured".into()),
                many => Err(format!(
                    "ambiguous: {} resources are called that ({})",
                    many.len(),
                    many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                )),
            }
        };
        let mut out = BTreeMap::new();
        for (name, (mut m, required_names, optional_names, asked)) in resources {
            if let Some(asked) = asked
                && let Some(refused) = asked.names.iter().find(|w| !asked.allows(&resolve(w).ok(), w))
            {
                let label = m.label();
                m.problem.get_or_insert(format!(
                    "{file}: {label}: validate asked for dependency {refused:?}, which module {:?} may not have: \
                     it is not in the module's allowed_dependencies",
                    asked.module
                ));
            }
            for written in dedup(required_names) {
                match resolve(&written) {
                    Ok(dep) if dep == name => {
                        m.problem
                            .get_or_insert(format!("{file}: {}: depends on itself", m.label()));
                    }
                    Ok(dep) => m.required.push(dep),
                    Err(e) if e == "not configured" => m.unresolved.push(written),
                    Err(e) => {
                        m.problem
                            .get_or_insert(format!("{file}: {}: dependency {written:?}: {e}", m.label()));
                    }
                }
            }
            for written in dedup(optional_names) {
                match resolve(&written) {
                    Ok(dep) if dep != name && !m.required.contains(&dep) => m.optional.push(dep),
                    Ok(_) => {}
                    Err(_) => m.unresolved_optional.push(written),
                }
            }
            let granted = |written: &Option<String>, api: &str, what: &str, m: &mut Managed| {
                let written = written.as_ref()?;
                match resolve(written) {
                    Ok(dep) if dep.api.to_string() == api => Some(dep),
                    Ok(dep) => {
                        let label = m.label();
                        m.problem.get_or_insert(format!(
                            "{file}: {label}: attribute `{what}`: {dep} is not a {what} ({api})"
                        ));
                        None
                    }
                    Err(_) => None,
                }
            };
            let (board, camera) = (m.hardware.board.clone(), m.hardware.camera.clone());
            m.board = granted(&board, "rdk:component:board", "board", &mut m);
            m.camera = granted(&camera, "rdk:component:camera", "camera", &mut m);
            out.insert(name, m);
        }
        exclusive_hardware(&file, &config.resources, &mut out);

        let edges: BTreeMap<ResourceName, Vec<ResourceName>> = out
            .iter()
            .map(|(n, m)| (n.clone(), m.required.iter().chain(&m.optional).cloned().collect()))
            .collect();
        let plan = graph::plan(&edges);
        for cycle in &plan.cycles {
            let text = cycle.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(" -> ");
            for n in cycle {
                if let Some(m) = out.get_mut(n) {
                    let label = m.label();
                    m.problem
                        .get_or_insert(format!("{file}: {label}: dependency cycle {text}"));
                }
            }
        }
        Planned {
            order: plan.order,
            resources: out,
        }
    }
}

pub(super) struct Planned {
    pub(super) resources: BTreeMap<ResourceName, Managed>,
    pub(super) order: Vec<ResourceName>,
}

/// Two resources cannot both hold the same pin of a board or the same
/// serial port: the later one in the file is refused.
fn exclusive_hardware(file: &str, order: &[ResourceConfig], resources: &mut BTreeMap<ResourceName, Managed>) {
    let mut pins: HashMap<(ResourceName, String), String> = HashMap::new();
    let mut ports: HashMap<String, String> = HashMap::new();
    for rc in order {
        let Some(m) = resources.get_mut(&rc.resource_name()) else {
            continue;
        };
        let mut clash = None;
        if let Some(board) = &m.board {
            for pin in &m.hardware.pins {
                if let Some(holder) = pins.insert((board.clone(), pin.clone()), rc.name.clone()) {
                    clash.get_or_insert(format!(
                        "pin {pin:?} of board {:?} is already held by {holder:?}",
                        board.name
                    ));
                }
            }
        }
        for s in &m.hardware.serial {
            if let Some(holder) = ports.insert(s.path.clone(), rc.name.clone()) {
                clash.get_or_insert(format!("serial port {} is already held by {holder:?}", s.path));
            }
        }
        if let Some(c) = clash {
            let label = m.label();
            m.problem.get_or_insert(format!("{file}: {label}: {c}"));
        }
    }
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names.into_iter().filter(|n| seen.insert(n.clone())).collect()
}

/// Runs the guest's `validate` in a throwaway sandbox.
pub(super) async fn validate(
    module: &Arc<LoadedModule>,
    rc: &ResourceConfig,
    limits: &Limits,
) -> Result<crate::core::bindings::GuestDependencies, String> {
    let mut sandbox = Sandbox::start(
        module,
        &format!("validate {}", rc.name),
        limits.clone(),
        &Grants::default(),
    )
    .await
    .map_err(|f| format!("the module {f}"))?;
    match sandbox.validate(&Machine::guest_config(rc)).await {
        Ok(Ok(deps)) => Ok(deps),
        Ok(Err(e)) => Err(e.message),
        Err(f) => Err(format!("the module {f}")),
    }
}

/// The dependencies a guest asked for in `validate`, and what its module's
/// entry allows (`allowed_dependencies`: names, or `api/name`).
struct Asked {
    module: String,
    names: Vec<String>,
    allowed: Vec<String>,
}

impl Asked {
    /// Whether `written` (resolved to `resolved`, if it resolves) is allowed.
    fn allows(&self, resolved: &Option<ResourceName>, written: &str) -> bool {
        self.allowed.iter().any(|a| match (resolved, a.contains('/')) {
            (Some(dep), true) => ResourceName::parse(a).is_ok_and(|n| n == *dep),
            (Some(dep), false) => *a == dep.name,
            (None, _) => a == written,
        })
    }
}
