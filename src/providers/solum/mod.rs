//! Adapter for solum: see `shared/providers/solum.md`. (Being written.)
