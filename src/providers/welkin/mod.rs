//! Adapter for welkin: see `shared/providers/welkin.md`. (Being written.)
