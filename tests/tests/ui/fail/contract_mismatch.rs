// What `overlay!` output meets in a `lever-client` that lacks the generator's runtime contract
// (here a made-up contract 0; `lever_codegen::overlay::overlay_tokens` wraps real output the
// same way, in `__lever_client_runtime_contract_{RUNTIME_CONTRACT}`): every generated item is
// inside the contract macro, so the one error is that macro missing, not one error for each
// item that uses runtime internals this version does not have.
mod lever_ext {
    ::lever_client::__lever_client_runtime_contract_0! {
        pub mod models {
            pub struct Task {
                pub id: ::lever_client::__private::NotInThisRuntime,
            }
        }

        pub fn decode(body: &[u8]) -> ::lever_client::__private::AlsoNotInThisRuntime {
            ::lever_client::__private::gone(body)
        }
    }
}

fn main() {}
