//! The provider contract: the same behaviours, written once in [`behaviours`], run against each
//! of the five adapter/emulator pairs over real HTTP on loopback. Each (behaviour × vendor) is its
//! own test, named `<vendor>::<behaviour>`, so a failure names both.
//!
//! A vendor's module implements [`harness::Pair`]: it starts its emulator with deterministic
//! options, builds its adapter, and says in vendor-neutral terms what the behaviours need (the
//! scope to list under, the expected calls from the emulator's own data, how to inject a fault,
//! what the server saw, the documented errors and filters, the calls in each transcript and
//! recording state). What only one vendor does stays in that vendor's own test file.

#[allow(dead_code)]
#[path = "../support/fetch.rs"]
mod fetch;

/// One `#[tokio::test]` per behaviour for the pair type `$pair`.
macro_rules! contract_tests {
    ($pair:ty) => {
        contract_tests!(@each $pair;
            scopes_page_and_search,
            a_pinned_scope_needs_no_parent_list,
            pages_to_the_last_page,
            server_filters_reach_the_server,
            local_filter_keys_are_not_sent,
            detail_of_a_listed_call,
            transcript_states,
            recording_states,
            documented_error_statuses_are_one_sentence,
            a_wrong_key_is_one_clear_sentence,
            rate_limit_429_waits_for_retry_after,
            rate_limit_beyond_the_wait_bound_gives_up,
            transient_faults_are_retried_once,
            one_malformed_record_is_counted_not_fatal,
        );
    };
    (@each $pair:ty; $($behaviour:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $behaviour() {
                crate::behaviours::$behaviour::<$pair>().await;
            }
        )*
    };
}

mod behaviours;
mod harness;

mod allomia;
mod solum;
mod talkpilot;
mod voxeme;
mod welkin;
