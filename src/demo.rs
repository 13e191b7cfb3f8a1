//! The demo: the five provider emulators started in-process on loopback, and a configuration
//! that points at them. Used when there is no config file, and by `callbrowser demo-server`.

use crate::config::Config;
use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::allomia::{self, AlloMiaEmulator};
use callbrowser_emulators::solum::{self, SolumEmulator};
use callbrowser_emulators::talkpilot::{self, TalkPilotEmulator};
use callbrowser_emulators::voxeme::{self, VoxemeEmulator};
use callbrowser_emulators::welkin::{self, WelkinEmulator};

pub struct Demo {
    pub welkin: WelkinEmulator,
    pub solum: SolumEmulator,
    pub talkpilot: TalkPilotEmulator,
    pub voxeme: VoxemeEmulator,
    pub allomia: AlloMiaEmulator,
}

/// The demo's data: fixed seed, generated over the days before now.
pub fn demo_options() -> EmulatorOptions {
    EmulatorOptions::default()
}

fn toml_str(s: &str) -> String {
    // Debug quoting escapes what TOML basic strings need (quotes, backslashes, controls).
    format!("{s:?}")
}

impl Demo {
    /// Starts the five emulators at once.
    pub async fn start(opts: EmulatorOptions) -> std::io::Result<Demo> {
        let (welkin, solum, talkpilot, voxeme, allomia) = tokio::try_join!(
            welkin::start(opts.clone()),
            solum::start(opts.clone()),
            talkpilot::start(opts.clone()),
            voxeme::start(opts.clone()),
            allomia::start(opts),
        )?;
        Ok(Demo {
            welkin,
            solum,
            talkpilot,
            voxeme,
            allomia,
        })
    }

    /// Each emulated API's label and base URL.
    pub fn urls(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Welkin Health", self.welkin.base_url()),
            ("Solum Health", self.solum.base_url()),
            ("TalkPilot", self.talkpilot.base_url()),
            ("Voxeme", self.voxeme.base_url()),
            ("AlloMia", self.allomia.base_url()),
        ]
    }

    /// A config file for the emulators (it holds the demo keys).
    pub fn config_toml(&self) -> String {
        let w = &self.welkin;
        let mut out = String::from("# callbrowser demo: emulated APIs with generated data\n");
        out.push_str(&format!(
            "\n[[providers]]\nname = \"welkin\"\nkind = \"welkin\"\nlabel = \"Welkin Health\"\n\
             base_url = {}\ntenant = {}\ninstance = {}\nclient = {}\napi_key = {}\n",
            toml_str(&w.base_url()),
            toml_str(w.tenant()),
            toml_str(w.instance()),
            toml_str(&w.client_key()),
            toml_str(&w.secret()),
        ));
        out.push_str(&format!(
            "\n[[providers]]\nname = \"solum\"\nkind = \"solum\"\nlabel = \"Solum Health\"\n\
             base_url = {}\napi_key = {}\n",
            toml_str(&self.solum.base_url()),
            toml_str(&self.solum.api_key()),
        ));
        out.push_str(&format!(
            "\n[[providers]]\nname = \"talkpilot\"\nkind = \"talkpilot\"\nlabel = \"TalkPilot\"\n\
             base_url = {}\napi_key = {}\n",
            toml_str(&self.talkpilot.base_url()),
            toml_str(&self.talkpilot.api_key()),
        ));
        out.push_str(&format!(
            "\n[[providers]]\nname = \"voxeme\"\nkind = \"voxeme\"\nlabel = \"Voxeme\"\n\
             base_url = {}\napi_key = {}\n",
            toml_str(&self.voxeme.base_url()),
            toml_str(&self.voxeme.api_key()),
        ));
        out.push_str(&format!(
            "\n[[providers]]\nname = \"allomia\"\nkind = \"allomia\"\nlabel = \"AlloMia\"\n\
             base_url = {}\napi_key = {}\n",
            toml_str(&self.allomia.base_url()),
            toml_str(&self.allomia.tenant_key()),
        ));
        out
    }

    pub fn config(&self) -> Config {
        Config::parse_str(&self.config_toml(), "<demo>")
            .unwrap_or_else(|e| panic!("the demo configuration is broken: {e}"))
    }
}
