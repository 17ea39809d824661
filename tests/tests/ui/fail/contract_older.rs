// What `overlay!` output from an older generator (contract 1) meets in this `lever-client`
// (contract 2): one error that says which side to update, before any generated item is
// type-checked against runtime internals that changed.
mod lever_ext {
    ::lever_client::__lever_client_runtime_contract_1! {
        pub mod models {
            #[derive(Debug)]
            pub struct Task {
                pub id: ::std::string::String,
            }
            ::lever_client::__private::object_serde!(Task { required id = "id" });
        }
    }
}

fn main() {}
