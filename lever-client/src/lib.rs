//! lever-client
