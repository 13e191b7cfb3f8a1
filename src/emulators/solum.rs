//! Emulator of the solum API: see `shared/providers/solum.md`. (Being written.)
