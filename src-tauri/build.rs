fn main() {
    // The release and E2E builds embed ui/dist; a UI rebuilt without a Rust change must
    // still reach the binary (cargo scans the folder for changes).
    if std::path::Path::new("../ui/dist").is_dir() {
        println!("cargo:rerun-if-changed=../ui/dist");
    }
    tauri_build::build()
}
