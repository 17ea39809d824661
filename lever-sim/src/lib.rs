//! lever-sim
