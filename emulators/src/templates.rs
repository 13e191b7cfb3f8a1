//! Conversation templates: `{name}` placeholders filled from a vendor's values.

/// `tpl` with every `{key}` that `lookup` knows replaced; unknown keys and a lone `{` stay.
pub fn fill<'v>(tpl: &str, lookup: impl Fn(&str) -> Option<&'v str>) -> String {
    let mut out = String::with_capacity(tpl.len() + 32);
    let mut rest = tpl;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let key = &after[..end];
                match lookup(key) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value of `key` in a list of placeholder values.
pub fn lookup<'v>(vars: &'v [(&'static str, String)], key: &str) -> Option<&'v str> {
    vars.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let vars = vec![
            ("name", "Zoë".to_string()),
            (", hn", ", Ms Clarke".to_string()),
        ];
        let f = |t| fill(t, |k| lookup(&vars, k));
        assert_eq!(f("Hello{, hn}, {name}!"), "Hello, Ms Clarke, Zoë!");
        assert_eq!(f("{unknown} stays"), "{unknown} stays");
        assert_eq!(f("a lone { brace"), "a lone { brace");
        assert_eq!(f("no placeholders"), "no placeholders");
    }
}
