//! Adapter for voxeme: see `shared/providers/voxeme.md`. (Being written.)
