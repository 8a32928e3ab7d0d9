//! Feeds arbitrary bytes to the `.svdz` reader: it must return an error or a container, never
//! panic, hang or allocate more than the pixel limit allows; whatever it accepts must render and
//! survive an encode → decode round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svdimg::container::Container;
use svdimg::DecodeLimits;

fuzz_target!(|data: &[u8]| {
    // A small pixel limit keeps rendering (rank × pixels) fast per input.
    let limits = DecodeLimits {
        max_pixels: 1 << 16,
    };
    if let Ok(c) = Container::decode(data, &limits) {
        let _ = c.reconstruct();
        let bytes = c.encode().expect("a decoded container encodes");
        let again = Container::decode(&bytes, &limits).expect("its encoding decodes");
        assert_eq!(again, c);
    }
});
