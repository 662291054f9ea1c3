use super::*;
use hub_ports::{OsRandom, SeededRandom};
use std::collections::HashSet;

const AAD: Aad<'static> = Aad { purpose: "eve-sso", record: "2112625428", field: "refresh_token" };

fn keyring(primary: u32, ids: &[u32]) -> Keyring {
    Keyring::new(KeyId(primary), ids.iter().map(|id| (KeyId(*id), [u8::try_from(*id).unwrap(); 32]))).unwrap()
}

#[test]
fn round_trip_and_envelope_layout() {
    let ring = keyring(7, &[7]);
    let envelope = seal(&ring, &OsRandom, AAD, b"a refresh token").unwrap();
    assert_eq!(envelope[0], ENVELOPE_VERSION);
    assert_eq!(&envelope[1..5], &7u32.to_be_bytes());
    assert_eq!(envelope.len(), MIN_ENVELOPE_LEN + b"a refresh token".len());
    assert_eq!(open(&ring, AAD, &envelope).unwrap().as_slice(), b"a refresh token");
    assert_eq!(key_id_of(&envelope), Ok(KeyId(7)));
    let empty = seal(&ring, &OsRandom, AAD, b"").unwrap();
    assert!(open(&ring, AAD, &empty).unwrap().is_empty());
}

#[test]
fn fifty_thousand_encryptions_never_repeat_a_nonce() {
    let ring = keyring(1, &[1]);
    let mut nonces = HashSet::new();
    for _ in 0..50_000 {
        let envelope = seal(&ring, &OsRandom, AAD, b"x").unwrap();
        assert!(nonces.insert(envelope[5..HEADER_LEN].to_vec()), "a nonce repeated");
    }
    assert_eq!(nonces.len(), 50_000);
}

#[test]
fn every_flipped_bit_is_a_typed_error() {
    let ring = keyring(1, &[1]);
    let envelope = seal(&ring, &SeededRandom::new(3), AAD, b"secret token").unwrap();
    for byte in 0..envelope.len() {
        for bit in 0..8 {
            let mut bad = envelope.clone();
            bad[byte] ^= 1 << bit;
            let expected = match byte {
                0 => VaultError::UnsupportedVersion(bad[0]),
                1..=4 => VaultError::UnknownKey(key_id_of(&bad).unwrap()),
                _ => VaultError::Tampered,
            };
            assert_eq!(open(&ring, AAD, &bad), Err(expected), "byte {byte} bit {bit}");
        }
    }
}

#[test]
fn a_relabelled_key_id_fails_even_when_that_key_exists() {
    let ring = keyring(2, &[1, 2]);
    let mut envelope = seal(&ring, &OsRandom, AAD, b"secret").unwrap();
    envelope[1..5].copy_from_slice(&1u32.to_be_bytes());
    assert_eq!(open(&ring, AAD, &envelope), Err(VaultError::Tampered));
}

#[test]
fn every_truncation_is_a_typed_error() {
    let ring = keyring(1, &[1]);
    let envelope = seal(&ring, &OsRandom, AAD, b"secret token").unwrap();
    for len in 0..envelope.len() {
        let result = open(&ring, AAD, &envelope[..len]);
        if len < MIN_ENVELOPE_LEN {
            assert_eq!(result, Err(VaultError::Truncated { len }));
        } else {
            assert_eq!(result, Err(VaultError::Tampered), "length {len}");
        }
    }
    let mut extended = envelope.clone();
    extended.push(0);
    assert_eq!(open(&ring, AAD, &extended), Err(VaultError::Tampered));
}

#[test]
fn ciphertexts_do_not_move_between_rows_fields_or_purposes() {
    let ring = keyring(1, &[1]);
    let envelope = seal(&ring, &OsRandom, AAD, b"secret").unwrap();
    for other in [
        Aad { record: "2112625429", ..AAD },
        Aad { field: "access_token", ..AAD },
        Aad { purpose: "discord", ..AAD },
        // Same concatenation, different split: the length prefixes keep them apart.
        Aad { purpose: "eve-ss", record: "o2112625428", ..AAD },
    ] {
        assert_eq!(open(&ring, other, &envelope), Err(VaultError::Tampered), "{other:?}");
    }
}

#[test]
fn rotation_reseals_old_envelopes_once_and_detects_removed_keys() {
    let old = keyring(1, &[1]);
    let envelope = seal(&old, &OsRandom, AAD, b"secret").unwrap();

    let rotated = keyring(2, &[1, 2]);
    assert_eq!(open(&rotated, AAD, &envelope).unwrap().as_slice(), b"secret", "old keys still decrypt");
    let resealed = reseal(&rotated, &OsRandom, AAD, &envelope).unwrap().expect("moved to the primary key");
    assert_eq!(key_id_of(&resealed), Ok(KeyId(2)));
    assert_eq!(open(&rotated, AAD, &resealed).unwrap().as_slice(), b"secret");
    assert_eq!(reseal(&rotated, &OsRandom, AAD, &resealed), Ok(None), "idempotent");

    let without_old = keyring(2, &[2]);
    assert_eq!(open(&without_old, AAD, &envelope), Err(VaultError::UnknownKey(KeyId(1))));
    assert_eq!(open(&without_old, AAD, &resealed).unwrap().as_slice(), b"secret");
}

#[test]
fn keyring_configuration_is_validated() {
    let b64 = |byte: u8| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [byte; 32]);
    let ring = Keyring::from_config(&format!("1:{}, 3:{}", b64(1), b64(3)), None).unwrap();
    assert_eq!(ring.primary(), KeyId(3));
    assert_eq!(ring.key_ids(), vec![KeyId(1), KeyId(3)]);
    assert_eq!(Keyring::from_config(&format!("1:{}", b64(1)), Some(1)).unwrap().primary(), KeyId(1));

    assert_eq!(Keyring::from_config("", None).unwrap_err(), KeyringError::Empty);
    assert_eq!(Keyring::from_config("nonsense", None).unwrap_err(), KeyringError::Malformed(0));
    assert_eq!(Keyring::from_config("x:AAAA", None).unwrap_err(), KeyringError::Malformed(0));
    assert_eq!(Keyring::from_config("1:AAAA", None).unwrap_err(), KeyringError::BadKey(KeyId(1)));
    assert_eq!(Keyring::from_config("1:!!!", None).unwrap_err(), KeyringError::BadKey(KeyId(1)));
    assert_eq!(
        Keyring::from_config(&format!("1:{},1:{}", b64(1), b64(2)), None).unwrap_err(),
        KeyringError::Duplicate(KeyId(1))
    );
    assert_eq!(
        Keyring::from_config(&format!("1:{}", b64(1)), Some(2)).unwrap_err(),
        KeyringError::MissingPrimary(KeyId(2))
    );
    // Debug output names key ids, never key bytes.
    let debug = format!("{ring:?}");
    assert!(debug.contains("primary: KeyId(3)") && !debug.contains(&b64(3)), "{debug}");
}
