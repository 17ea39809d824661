//! The example runs end to end: the overlay's endpoints answer through the simulator.

#[tokio::test]
async fn the_overlay_example_runs() {
    let tasks = lever_overlay_example::run()
        .await
        .expect("the example runs");
    assert_eq!(tasks, 3);
}
