//! A virtualised list: a scroll box as tall as all rows, rendering only the
//! rows in view (plus a few either side), so 100,000 rows cost what 40 do.

use std::ops::Range;

use leptos::prelude::*;

/// Height of one row, in CSS pixels (the `.vrow` rule says the same).
pub const ROW_PX: usize = 28;
/// Rows the box shows at once (its height).
const VISIBLE: usize = 20;
/// Rows rendered beyond each edge.
const OVERSCAN: usize = 10;

/// The rows of `0..count` that a scroll offset shows.
fn window(scroll_px: i32, count: usize) -> Range<usize> {
    let first = usize::try_from(scroll_px.max(0)).unwrap_or(0) / ROW_PX;
    let start = first.saturating_sub(OVERSCAN).min(count);
    let end = (first + VISIBLE + OVERSCAN).min(count);
    start..end
}

/// `count` rows, of which `rows` renders a range, inside a scroll box.
#[component]
pub fn VirtualList<F>(
    /// How many rows there are.
    count: Signal<usize>,
    /// Renders rows `range` (each a `.vrow` element, in order).
    rows: F,
    /// The `data-test` name of the box.
    test: &'static str,
) -> impl IntoView
where
    F: Fn(Range<usize>) -> AnyView + Clone + Send + Sync + 'static,
{
    let scroll = RwSignal::new(0i32);
    let range = Memo::new(move |_| window(scroll.get(), count.get()));
    // As tall as its rows, up to VISIBLE rows (plus the 2px border).
    let height = move || format!("height:{}px", count.get().clamp(1, VISIBLE) * ROW_PX + 2);
    view! {
        <div class="vlist" data-test=test data-count=move || count.get().to_string() style=height
            on:scroll=move |ev| scroll.set(event_target::<web_sys::HtmlElement>(&ev).scroll_top())>
            <div class="vlist-space" style=move || format!("height:{}px", count.get() * ROW_PX)>
                <div class="vlist-rows" style=move || format!("transform:translateY({}px)", range.get().start * ROW_PX)>
                    {move || rows(range.get())}
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn window_table() {
        let row = ROW_PX as i32;
        let cases = [
            (0, 0, 0..0),
            (0, 5, 0..5),
            (0, 100_000, 0..VISIBLE + OVERSCAN),
            (row * 50, 100_000, 40..80),
            (row * 99_990, 100_000, 99_980..100_000),
            (-10, 3, 0..3),
        ];
        for (scroll, count, expected) in cases {
            assert_eq!(window(scroll, count), expected, "{scroll} {count}");
        }
    }
}
