//! Writes the deterministic photo-like test image of `benches/support/photo.rs`:
//! `cargo run --release --example gen_photo -- 5640 3172 photo.png` (`.jpg` writes a JPEG, q 90).

#[path = "../benches/support/photo.rs"]
mod photo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [w, h, out] = &args[..] else {
        eprintln!("usage: gen_photo WIDTH HEIGHT OUT.png|OUT.jpg");
        std::process::exit(2);
    };
    let img = photo::photo_like(w.parse().expect("a width"), h.parse().expect("a height"), 1);
    if out.ends_with(".jpg") || out.ends_with(".jpeg") {
        let file = std::fs::File::create(out).expect("output writable");
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(file, 90);
        enc.encode_image(&img).expect("JPEG encodes");
    } else {
        img.save(out).expect("PNG encodes");
    }
}
