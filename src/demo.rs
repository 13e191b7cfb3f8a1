//! The demo: the provider emulators started in-process on loopback, and a configuration that
//! points at them. Used when there is no config file, and by `callbrowser demo-server`.

use crate::config::Config;
use crate::emulators::EmulatorOptions;
use crate::emulators::talkpilot::{self, TalkPilotEmulator};

pub struct Demo {
    pub talkpilot: TalkPilotEmulator,
}

/// The demo's data: fixed seed, generated over the days before now.
pub fn demo_options() -> EmulatorOptions {
    EmulatorOptions::default()
}

impl Demo {
    pub async fn start(opts: EmulatorOptions) -> std::io::Result<Demo> {
        Ok(Demo {
            talkpilot: talkpilot::start(opts).await?,
        })
    }

    /// Each emulated API's label and base URL.
    pub fn urls(&self) -> Vec<(&'static str, String)> {
        vec![("TalkPilot", self.talkpilot.base_url())]
    }

    /// A config file for the emulators (it holds the demo keys).
    pub fn config_toml(&self) -> String {
        format!(
            "# callbrowser demo: emulated APIs with generated data\n\n\
             [[providers]]\nname = \"talkpilot\"\nkind = \"talkpilot\"\nlabel = \"TalkPilot\"\n\
             base_url = \"{}\"\napi_key = \"{}\"\n",
            self.talkpilot.base_url(),
            self.talkpilot.api_key()
        )
    }

    pub fn config(&self) -> Config {
        Config::parse_str(&self.config_toml(), "<demo>")
            .unwrap_or_else(|e| panic!("the demo configuration is broken: {e}"))
    }
}
