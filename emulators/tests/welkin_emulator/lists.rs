//! Patients and calls lists: paging, filters, validation, `metaInfo` and data invariants.

use super::support::*;

#[tokio::test]
async fn patients_list_paging_filters_and_validation() {
    let emu = start().await;
    let t = token(&emu).await;
    let all = emu.patients();
    assert_eq!(all.len(), 32);

    patients_paging(&emu, &t, &all).await;
    patients_shape(&all);
    patients_filters(&emu, &t, &all).await;
    patients_validation(&emu, &t, &all).await;
}

async fn patients_paging(emu: &WelkinEmulator, t: &str, all: &[Value]) {
    // Default page: 0-based, size 20, seven metaInfo keys.
    let r = get_q(emu, "/patients", Some(t), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["metaInfo"],
        json!({"page": 0, "pageSize": 20, "totalElements": 32, "numberOfElements": 20,
               "lastPage": false, "firstPage": true, "totalPages": 2})
    );
    let mut got = Vec::new();
    for page in 0..4 {
        let p = page.to_string();
        let r = get_q(emu, "/patients", Some(t), &[("page", &p), ("size", "10")]).await;
        let data = r.json["data"].as_array().unwrap().clone();
        assert_eq!(r.json["metaInfo"]["lastPage"], page >= 3);
        assert_eq!(r.json["metaInfo"]["numberOfElements"], data.len());
        got.extend(data);
    }
    assert_eq!(ids(&got), ids(all));
    let r = get_q(emu, "/patients", Some(t), &[("page", "9"), ("size", "10")]).await;
    assert_eq!(r.json["data"], json!([]));
}

fn patients_shape(all: &[Value]) {
    for p in all {
        let keys: HashSet<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, PATIENT_FIELDS.iter().copied().collect());
        assert!(p["mrn"].as_str().unwrap().starts_with("MRN-"));
        assert_eq!(p["mrn"].as_str().unwrap().len(), 9);
    }
    // Ordered by last name, then first name.
    let keys: Vec<(String, String)> = all
        .iter()
        .map(|p| {
            (
                p["lastName"].as_str().unwrap().to_lowercase(),
                p["firstName"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    let genders: HashSet<&str> = all.iter().map(|p| p["gender"].as_str().unwrap()).collect();
    assert_eq!(
        genders,
        ["MALE", "FEMALE", "OTHER", "UNKNOWN"].into_iter().collect()
    );
    let statuses: HashSet<&str> = all.iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ACTIVE", "INACTIVE"].into_iter().collect());
    assert!(all.iter().any(|p| p["phone"].is_null()));
    assert!(all.iter().any(|p| p["mrn"] == "MRN-00123"));
}

async fn patients_filters(emu: &WelkinEmulator, t: &str, all: &[Value]) {
    let q = |params: &'static [(&'static str, &'static str)]| async move {
        let r = get_q(emu, "/patients", Some(t), params).await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["data"].as_array().unwrap().clone()
    };
    // firstName / lastName: partial, case-insensitive.
    let doe = q(&[("lastName", "dO"), ("size", "100")]).await;
    let want: Vec<&Value> = all
        .iter()
        .filter(|p| {
            p["lastName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("do")
        })
        .collect();
    assert!(want.len() >= 2);
    assert_eq!(doe.len(), want.len());
    let jane = q(&[("firstName", "jan"), ("lastName", "doe")]).await;
    assert_eq!(jane.len(), 1);
    assert_eq!(jane[0]["firstName"], "Jane");
    // mrn: exact.
    let m = q(&[("mrn", "MRN-00123")]).await;
    assert_eq!(m.len(), 1);
    assert!(q(&[("mrn", "MRN-0012")]).await.is_empty());
    assert!(q(&[("mrn", "mrn-00123")]).await.is_empty());
    // status.
    let inactive = q(&[("status", "INACTIVE"), ("size", "100")]).await;
    assert_eq!(
        inactive.len(),
        all.iter().filter(|p| p["status"] == "INACTIVE").count()
    );
    assert!(inactive.iter().all(|p| p["status"] == "INACTIVE"));
}

async fn patients_validation(emu: &WelkinEmulator, t: &str, all: &[Value]) {
    // Validation: one error per bad parameter.
    let r = get_q(
        emu,
        "/patients",
        Some(t),
        &[("page", "-1"), ("size", "101"), ("status", "active")],
    )
    .await;
    assert_error(&r, 400, "INVALID_REQUEST_PARAMETER");
    let params: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(params, vec!["page", "size", "status"]);
    for bad in [
        ("size", "0"),
        ("page", "x"),
        ("size", "1.5"),
        ("page", ""),
        ("size", ""),
        ("status", ""),
    ] {
        let r = get_q(emu, "/patients", Some(t), &[bad]).await;
        assert_error(&r, 400, "INVALID_REQUEST_PARAMETER");
        assert_eq!(r.json[0]["details"]["parameter"], bad.0, "{}", r.json);
    }
    // An empty name or MRN is no filter.
    for blank in ["firstName", "lastName", "mrn"] {
        let r = get_q(emu, "/patients", Some(t), &[(blank, ""), ("size", "100")]).await;
        assert_eq!(r.json["data"].as_array().unwrap().len(), 32, "{blank}");
    }
    // One patient.
    let id = all[3]["id"].as_str().unwrap();
    let r = get_q(emu, &format!("/patients/{id}"), Some(t), &[]).await;
    assert_eq!(r.json, all[3]);
    let r = get_q(
        emu,
        "/patients/00000000-0000-4000-8000-000000000000",
        Some(t),
        &[],
    )
    .await;
    assert_error(&r, 404, "PATIENT_NOT_FOUND");
}

#[tokio::test]
async fn calls_paging_dates_and_details() {
    let emu = start().await;
    let t = token(&emu).await;
    let jane = pid(&emu, "Jane", "Doe");
    let calls = emu.calls(&jane);
    assert_eq!(calls.len(), 37);
    assert!(
        calls.windows(2).all(|w| called(&w[0]) > called(&w[1])),
        "newest first"
    );

    let path = format!("/patients/{jane}/calls");
    let r = get_q(&emu, &path, Some(&t), &[]).await;
    assert_eq!(
        r.json["metaInfo"],
        json!({"page": 0, "pageSize": 20, "totalElements": 37, "numberOfElements": 20,
               "lastPage": false, "firstPage": true, "totalPages": 2})
    );
    let mut got = Vec::new();
    for page in 0..4 {
        let p = page.to_string();
        let r = get_q(&emu, &path, Some(&t), &[("page", &p), ("size", "10")]).await;
        assert_eq!(r.json["metaInfo"]["lastPage"], page == 3);
        assert_eq!(r.json["metaInfo"]["firstPage"], page == 0);
        assert_eq!(r.json["metaInfo"]["totalPages"], 4);
        got.extend(r.json["data"].as_array().unwrap().clone());
    }
    assert_eq!(got, calls);
    for c in &calls {
        let keys: HashSet<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, CALL_FIELDS.iter().copied().collect());
        assert_eq!(c["patientId"], jane.as_str());
    }

    // startDate on or after, endDate on or before (inclusive at both ends).
    let from = called(&calls[30]);
    let to = called(&calls[5]);
    let (f, t2) = (
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    let r = get_q(
        &emu,
        &path,
        Some(&t),
        &[("startDate", &f), ("endDate", &t2), ("size", "100")],
    )
    .await;
    assert_eq!(r.json["data"].as_array().unwrap(), &calls[5..=30].to_vec());
    assert_eq!(r.json["metaInfo"]["totalElements"], 26);
    // A bare end date means the whole day.
    let day = to.format("%Y-%m-%d").to_string();
    let r = get_q(&emu, &path, Some(&t), &[("endDate", &day), ("size", "100")]).await;
    let want: Vec<Value> = calls
        .iter()
        .filter(|c| called(c).date_naive() <= to.date_naive())
        .cloned()
        .collect();
    assert_eq!(r.json["data"].as_array().unwrap(), &want);
    for bad in [
        vec![("startDate", "yesterday")],
        vec![("endDate", "2026-13-01")],
        vec![("startDate", "2026-03-10"), ("endDate", "2026-03-01")],
        vec![("size", "500")],
        vec![("page", "-3")],
        vec![("page", "")],
        vec![("startDate", "")],
        vec![("endDate", "")],
    ] {
        let r = get_q(&emu, &path, Some(&t), &bad).await;
        assert_error(&r, 400, "INVALID_REQUEST_PARAMETER");
    }

    // One call: a bare object with the list keys.
    let id = calls[0]["id"].as_str().unwrap();
    let r = get_q(&emu, &format!("{path}/{id}"), Some(&t), &[]).await;
    assert_eq!(r.json, calls[0]);
    let r = get_q(&emu, &format!("{path}/no-such-call"), Some(&t), &[]).await;
    assert_error(&r, 404, "CALL_NOT_FOUND");
    let r = get_q(&emu, "/patients/nobody/calls", Some(&t), &[]).await;
    assert_error(&r, 404, "PATIENT_NOT_FOUND");
    // A call of another patient is not found under this one.
    let other = pid(&emu, "John", "Doe");
    let r = get_q(
        &emu,
        &format!("/patients/{other}/calls/{id}"),
        Some(&t),
        &[],
    )
    .await;
    assert_error(&r, 404, "CALL_NOT_FOUND");
}

#[tokio::test]
async fn data_invariants() {
    let emu = start().await;
    let now = fixed_now();
    let mut total = 0;
    let mut statuses = HashSet::new();
    let mut with_rec = 0;
    let mut without_rec = 0;
    for p in emu.patients() {
        let id = p["id"].as_str().unwrap();
        let calls = emu.calls(id);
        assert!((5..=40).contains(&calls.len()), "{}", calls.len());
        total += calls.len();
        for c in &calls {
            let at = called(c);
            assert!(at < now && at > now - chrono::Duration::days(60));
            statuses.insert(c["status"].as_str().unwrap().to_string());
            assert!(["INBOUND", "OUTBOUND"].contains(&c["direction"].as_str().unwrap()));
            if c["hasRecording"] == true {
                assert_eq!(c["status"], "COMPLETED");
                with_rec += 1;
                assert!(emu.recording(id, c["id"].as_str().unwrap()).is_some());
            } else {
                without_rec += 1;
                assert!(emu.recording(id, c["id"].as_str().unwrap()).is_none());
            }
        }
    }
    assert!(total > 300, "{total}");
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    assert!(with_rec > 100 && without_rec > 30);

    // Same seed, same data; another seed, other data.
    let again = start().await;
    assert_eq!(again.patients(), emu.patients());
    let first = emu.patients()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(again.calls(&first), emu.calls(&first));
    let other = welkin::start(EmulatorOptions { seed: 99, ..opts() })
        .await
        .unwrap();
    assert_ne!(other.patients(), emu.patients());
}

#[tokio::test]
async fn meta_info_variants_on_request() {
    for (meta, first, last) in [
        (
            MetaInfo::Documented,
            json!({"page": 0, "pageSize": 30, "totalElements": 37}),
            json!({"page": 1, "pageSize": 30, "totalElements": 37}),
        ),
        (
            MetaInfo::PageOnly,
            json!({"page": 0, "pageSize": 30}),
            json!({"page": 1, "pageSize": 30}),
        ),
        (
            MetaInfo::NoTotals,
            json!({"page": 0, "pageSize": 30, "numberOfElements": 30, "lastPage": false,
                   "firstPage": true}),
            json!({"page": 1, "pageSize": 30, "numberOfElements": 7, "lastPage": true,
                   "firstPage": false}),
        ),
    ] {
        let emu = start_with(WelkinOptions {
            meta_info: meta,
            ..WelkinOptions::default()
        })
        .await;
        let t = token(&emu).await;
        let jane = pid(&emu, "Jane", "Doe");
        let path = format!("/patients/{jane}/calls");
        let r = get_q(&emu, &path, Some(&t), &[("page", "0"), ("size", "30")]).await;
        assert_eq!(r.json["metaInfo"], first, "{meta:?}");
        assert_eq!(r.json["data"].as_array().unwrap().len(), 30);
        let r = get_q(&emu, &path, Some(&t), &[("page", "1"), ("size", "30")]).await;
        assert_eq!(r.json["metaInfo"], last, "{meta:?}");
        assert_eq!(r.json["data"].as_array().unwrap().len(), 7);
        // Past the end: an empty page. The patient list uses the same envelope.
        let r = get_q(&emu, &path, Some(&t), &[("page", "2"), ("size", "30")]).await;
        assert_eq!(r.json["data"], json!([]));
        let r = get_q(&emu, "/patients", Some(&t), &[("size", "5")]).await;
        let keys: HashSet<&str> = r.json["metaInfo"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let want: HashSet<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, want, "{meta:?}");
    }
}
