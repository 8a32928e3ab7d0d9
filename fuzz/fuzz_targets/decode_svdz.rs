//! Feeds arbitrary bytes to the `.svdz` readers (version 1, whole-image factors, and version 2,
//! blocks): each must return an error or a file, never panic, hang or allocate more than the
//! pixel limit allows; whatever it accepts must render and survive an encode → decode round trip
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svdimg::container::blocks::{self, BlockFile};
use svdimg::container::Container;
use svdimg::DecodeLimits;

fuzz_target!(|data: &[u8]| {
    // A small pixel limit keeps rendering (rank × pixels) fast per input.
    let limits = DecodeLimits {
        max_pixels: 1 << 16,
    };
    if blocks::is_block_file(data) {
        if let Ok(parsed) = BlockFile::parse(data, &limits) {
            let f = parsed.file;
            let _ = f.reconstruct();
            let bytes = f.encode().expect("a decoded block file encodes");
            let again = BlockFile::parse(&bytes, &limits).expect("its encoding decodes");
            assert_eq!(again.file, f);
        }
    } else if let Ok(c) = Container::decode(data, &limits) {
        let _ = c.reconstruct();
        let bytes = c.encode().expect("a decoded container encodes");
        let again = Container::decode(&bytes, &limits).expect("its encoding decodes");
        assert_eq!(again, c);
    }
});
