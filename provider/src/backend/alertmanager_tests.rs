use super::*;

const OWNER: Owner<'static> = Owner {
    type_name: "reliability_notification_policy",
    id: "alertmanager",
};

fn backend(dir: &Path) -> AlertmanagerBackend {
    AlertmanagerBackend::new(&AlertmanagerSettings {
        config_file: dir.join("am").join("alertmanager.yml"),
        url: None,
    })
}

fn planned(creating: bool, contents: Option<&[String]>) -> Planned<'_> {
    Planned {
        owner: OWNER,
        creating,
        contents,
    }
}

fn doc(content: &str) -> Doc {
    Doc {
        name: DOCUMENT.into(),
        content: content.into(),
    }
}

#[test]
fn put_get_lookup_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let b = backend(tmp.path());
    let loc = b.location(DOCUMENT, None).unwrap();
    assert!(loc.ends_with("am/alertmanager.yml"), "{loc}");
    assert_eq!(b.get(std::slice::from_ref(&loc)).unwrap(), vec![None]);
    assert!(b.lookup(&|_| true).unwrap().is_empty());
    assert_eq!(b.put(&[doc("route: {}\n")], Some(OWNER)), Outcome::ok());
    assert_eq!(
        b.get(std::slice::from_ref(&loc)).unwrap(),
        vec![Some("route: {}\n".to_string())]
    );
    assert_eq!(b.lookup(&|n| n == DOCUMENT).unwrap(), vec![DOCUMENT]);
    // The same content is adopted at create (an interrupted apply); other content is not.
    assert_eq!(b.put(&[doc("route: {}\n")], Some(OWNER)), Outcome::ok());
    let refused = b.put(&[doc("other\n")], Some(OWNER));
    assert!(!refused.done);
    assert!(refused.problems[0]
        .detail
        .contains("terraform import reliability_notification_policy.<name> alertmanager"));
    // An update overwrites.
    assert_eq!(b.put(&[doc("other\n")], None), Outcome::ok());
    assert_eq!(std::fs::read_to_string(b.path()).unwrap(), "other\n");
    assert_eq!(b.delete(std::slice::from_ref(&loc)), Outcome::ok());
    assert!(!b.path().exists());
    assert_eq!(b.delete(std::slice::from_ref(&loc)), Outcome::ok());
}

#[test]
fn a_second_policy_is_refused_at_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let b = backend(tmp.path());
    assert!(b.claim_at_plan(&planned(true, None)).is_ok());
    let err = b.claim_at_plan(&planned(true, None)).unwrap_err();
    assert!(err.detail.contains("one policy per file"), "{err:?}");
}

#[test]
fn a_create_over_a_foreign_file_is_refused_at_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let b = backend(tmp.path());
    std::fs::create_dir_all(b.path().parent().unwrap()).unwrap();
    std::fs::write(b.path(), "route:\n  receiver: x\n").unwrap();
    let contents = vec!["mine\n".to_string()];
    let err = b
        .claim_at_plan(&planned(true, Some(&contents)))
        .unwrap_err();
    assert_eq!(err.summary, "Alertmanager configuration already exists");
    // An update (not creating) may rewrite it; a file with the planned content is adopted.
    let b = backend(tmp.path());
    assert!(b.claim_at_plan(&planned(false, Some(&contents))).is_ok());
    let b = backend(tmp.path());
    std::fs::write(b.path(), "mine\n").unwrap();
    assert!(b.claim_at_plan(&planned(true, Some(&contents))).is_ok());
}
