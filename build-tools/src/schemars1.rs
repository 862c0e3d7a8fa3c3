//! typify 0.8 writes a hand-made `JsonSchema` impl, in the schemars 0.8 style, for the
//! newtypes it generates from integer and number enums (`{"type": "integer", "enum": [1, 2]}`
//! becomes `pub struct Quality(i64)` with a checked `TryFrom<i64>`). The crate uses schemars 1
//! and edition 2024, where that impl does not compile (`gen` is a reserved word, and
//! `schemars::gen`, `schema_name() -> String` and `SchemaObject` are gone).
//!
//! [`port_schemars_impls`] rewrites each such impl into schemars 1 terms with the same meaning:
//! the inner type's schema with an `enum` (or, for typify's deny-list newtypes, a
//! `not: {enum}`) of the same values. The newtype itself is kept: of the ways to make the enum
//! compile (dropping the `JsonSchema` derive, a repair that turns the enum into a plain
//! integer), this is the one that keeps the checked type and its schema.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::VisitMut;

/// Rewrites every schemars 0.8 style `JsonSchema` impl in `file`; errors name the type whose
/// impl has a shape this port does not know.
pub(crate) fn port_schemars_impls(file: &mut syn::File) -> Result<(), String> {
    let mut port = Port::default();
    port.visit_file_mut(file);
    match port.failed {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

#[derive(Default)]
struct Port {
    failed: Option<String>,
}

impl VisitMut for Port {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let is_json_schema = item
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "JsonSchema");
        if !is_json_schema || !is_schemars_08(item) {
            return;
        }
        match port(item) {
            Ok(ported) => *item = ported,
            Err(message) => {
                self.failed.get_or_insert(message);
            }
        }
    }
}

/// The schemars 0.8 signature: `json_schema(gen: &mut ::schemars::gen::SchemaGenerator)`.
fn is_schemars_08(item: &syn::ItemImpl) -> bool {
    item.items.iter().any(|member| {
        matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "json_schema"
        && f.sig.inputs.iter().any(|input| {
            let tokens = quote!(#input).to_string();
            tokens.contains("schemars :: gen ::")
        }))
    })
}

fn port(item: &syn::ItemImpl) -> Result<syn::ItemImpl, String> {
    let self_ty = &item.self_ty;
    let name = quote!(#self_ty).to_string().replace(' ', "");
    let cannot = |what: &str| {
        format!(
            "typify wrote a schemars 0.8 `JsonSchema` impl for `{name}` that build-tools cannot \
             port to schemars 1 ({what}); see build-tools/src/schemars1.rs"
        )
    };
    let mut found = Found::default();
    found.visit_item_impl_mut(&mut item.clone());
    let inner = found
        .inner
        .ok_or_else(|| cannot("no inner type's schema"))?;
    if found.values.is_empty() {
        return Err(cannot("no enum values"));
    }
    let values = found.values;
    let values = quote!(::serde_json::Value::Array(::std::vec![
        #( ::serde_json::from_str::<::serde_json::Value>(#values).unwrap() ),*
    ]));
    let constrain: TokenStream = if found.denies {
        quote! {
            let mut not = ::serde_json::Map::new();
            not.insert("enum".to_owned(), #values);
            schema.insert("not".to_owned(), ::serde_json::Value::Object(not));
        }
    } else {
        quote!(schema.insert("enum".to_owned(), #values);)
    };
    Ok(syn::parse_quote! {
        impl ::schemars::JsonSchema for #self_ty {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(#name)
            }

            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let mut schema = <#inner as ::schemars::JsonSchema>::json_schema(generator);
                #constrain
                schema
            }
        }
    })
}

/// What the schemars 0.8 impl says: `<inner as JsonSchema>::json_schema(gen)`, the values in
/// `::serde_json::from_str("...")`, and whether they are denied (`subschemas().not`).
#[derive(Default)]
struct Found {
    inner: Option<syn::Type>,
    values: Vec<syn::LitStr>,
    denies: bool,
}

impl VisitMut for Found {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            let last = path.path.segments.last().map(|s| s.ident.to_string());
            match (&path.qself, last.as_deref()) {
                (Some(qself), Some("json_schema")) => self.inner = Some((*qself.ty).clone()),
                (None, Some("from_str")) => {
                    if let Some(syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    })) = call.args.first()
                    {
                        self.values.push(text.clone());
                    }
                }
                _ => {}
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.method == "subschemas" {
            self.denies = true;
        }
        syn::visit_mut::visit_expr_method_call_mut(self, call);
    }
}
