//! Emulator of the welkin API: see `shared/providers/welkin.md`. (Being written.)
