//! Integration tests of the generated flux client: see tests/it.
