//! Run the overlay example: `cargo run -p lever-overlay-example`.

#[tokio::main]
async fn main() -> lever_overlay_example::Result<()> {
    let tasks = lever_overlay_example::run().await?;
    println!("done: {tasks} tasks through the overlay's paginated list");
    Ok(())
}
