//! The dashboard's entry point: mounts [`frontend::App`] on `<body>`
//! (in a page; in a verification worker it does nothing).

fn main() {
    console_error_panic_hook::set_once();
    // The same module also runs in verification workers, which have no page.
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(frontend::App);
}
