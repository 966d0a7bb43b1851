//! `gstdash bench tui`: the real binary runs the scripted session and reports every figure,
//! as text and as JSON. (The figures themselves are not asserted: this is a benchmark.)

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn bench_tui_reports_every_figure() {
    let out = Command::cargo_bin("gstdash")
        .unwrap()
        .args(["bench", "tui", "--records", "2000", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"], 2000);
    assert_eq!(v["key_to_frame"]["samples"], 400);
    for k in [
        "first_frame_ms",
        "select_all_ms",
        "bulk_action_ms",
        "bytes_per_cursor_move",
    ] {
        assert!(v[k].as_f64().is_some_and(|x| x > 0.0), "{k}: {}", v[k]);
    }
    let text = Command::cargo_bin("gstdash")
        .unwrap()
        .args(["bench", "tui", "--records", "500"])
        .output()
        .unwrap();
    let s = String::from_utf8(text.stdout).unwrap();
    assert!(
        s.contains("key → frame") && s.contains("records in view           500"),
        "{s}"
    );
}
