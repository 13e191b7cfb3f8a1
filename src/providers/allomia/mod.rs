//! Adapter for allomia: see `shared/providers/allomia.md`. (Being written.)
