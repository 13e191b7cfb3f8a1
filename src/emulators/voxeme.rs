//! Emulator of the voxeme API: see `shared/providers/voxeme.md`. (Being written.)
