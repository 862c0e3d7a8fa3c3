//! The suggested version bump.

use build_tools::diff::{Bump, Change, Kind, Surface, Verdict, suggested_bump};

#[test]
fn suggested_bump_follows_the_harshest_change() {
    let change = |verdict, surface| Change {
        pointer: String::new(),
        kind: Kind::FieldAdded,
        old: None,
        new: None,
        verdict,
        surface,
    };
    assert_eq!(suggested_bump(&[]), Bump::Patch);
    assert_eq!(
        suggested_bump(&[change(Verdict::Compatible, Surface::Wire)]),
        Bump::Patch
    );
    assert_eq!(
        suggested_bump(&[
            change(Verdict::Compatible, Surface::Wire),
            change(Verdict::Compatible, Surface::Api)
        ]),
        Bump::Minor
    );
    assert_eq!(
        suggested_bump(&[
            change(Verdict::Compatible, Surface::Api),
            change(Verdict::Breaking, Surface::Wire)
        ]),
        Bump::Major
    );
    assert_eq!(Bump::Major.for_zero_x(), "minor");
    assert_eq!(Bump::Minor.for_zero_x(), "patch");
}
