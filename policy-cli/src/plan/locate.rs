//! Where a plan's resource is declared: its module address followed through the module
//! calls of the configuration under `PATH` (local sources resolved like the workspace
//! does, registry and git sources through `.terraform/modules/modules.json`) to the
//! `resource` block in a `.tf` file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hcl_edit::structure::Block;

use crate::module::Module;
use crate::parse::FileId;
use crate::workspace::{is_local_source, resolve_source};

/// The module directories and installed modules of the configuration under `PATH`.
pub struct Sources<'w> {
    pub root: PathBuf,
    pub modules: &'w HashMap<PathBuf, Module<'w>>,
    /// `modules.json` of the root: call key (`db`, `db.inner`) → installed directory.
    pub installed: Option<&'w HashMap<String, PathBuf>>,
}

impl<'w> Sources<'w> {
    /// The directory of the module reached through `calls` (`["db", "inner"]`), `None`
    /// when a call is not in the configuration or its source is not there.
    pub fn module_dir(&self, calls: &[String]) -> Option<&'w Module<'w>> {
        let mut dir = self.root.clone();
        let mut key = String::new();
        for name in calls {
            let module = self.modules.get(&dir)?;
            let call = module.calls.iter().find(|c| &c.name == name)?;
            if !key.is_empty() {
                key.push('.');
            }
            key.push_str(name);
            let source = call.source.as_deref()?;
            dir = if is_local_source(source) {
                resolve_source(Some(&dir), &dir, source)?
            } else {
                self.installed?.get(&key)?.clone()
            };
        }
        self.modules.get(&dir)
    }

    /// The file and block declaring a resource or data source.
    pub fn find(
        &self,
        calls: &[String],
        data: bool,
        rtype: &str,
        name: &str,
    ) -> Option<(FileId, &'w Block)> {
        let module = self.module_dir(calls)?;
        module
            .resources
            .iter()
            .find(|r| r.data == data && r.rtype == rtype && r.name == name)
            .map(|r| (r.file, r.block))
    }
}

/// The root module directory of the paths given (the first one; a file stands for its
/// directory).
pub fn root_dir(paths: &[PathBuf]) -> Option<PathBuf> {
    let p = paths.first()?.canonicalize().ok()?;
    if p.is_file() {
        p.parent().map(Path::to_path_buf)
    } else {
        Some(p)
    }
}
