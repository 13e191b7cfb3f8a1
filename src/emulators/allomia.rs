//! Emulator of the allomia API: see `shared/providers/allomia.md`. (Being written.)
