//! Function names for people: Swift and C++ names demangled, each once a run.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use symbolic_common::{Language, Name, NameMangling};
use symbolic_demangle::{Demangle, DemangleOptions};

/// How much of a demangled name is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameStyle {
    /// Close to Apple's symbolicated reports: Swift in its simplified form
    /// without parameters (`ViewController.viewDidLoad`, `closure #1 in
    /// ViewController.viewDidLoad`; Apple adds argument labels, which
    /// symbolic's demangler cannot print alone), C++ with its parameter
    /// types and no return type (`demo::Renderer::draw(int)`), as Apple's
    /// tools and llvm-symbolizer print it.
    #[default]
    Short,
    /// Everything the mangled name says: module, parameter and return
    /// types (`Demo.ViewController.viewDidLoad() -> ()`).
    Full,
}

/// The names of a run: one style, and every name demangled so far, so that
/// a function met in a thousand frames is demangled once. Shared by the
/// threads of a run.
#[derive(Debug, Default)]
pub struct Names {
    style: NameStyle,
    cache: RwLock<HashMap<Box<str>, Arc<str>>>,
}

impl Names {
    /// Names shown in `style`.
    pub fn new(style: NameStyle) -> Names {
        Names { style, cache: RwLock::new(HashMap::new()) }
    }

    /// The style names are shown in.
    pub fn style(&self) -> NameStyle {
        self.style
    }

    /// The name for people of `raw`, a name as a debug file holds it; a name
    /// that is not mangled comes back as it is.
    pub fn get(&self, raw: &str) -> Arc<str> {
        if let Ok(cache) = self.cache.read()
            && let Some(name) = cache.get(raw)
        {
            return Arc::clone(name);
        }
        let name: Arc<str> = demangle(raw, self.style).into();
        // A poisoned lock only means another thread panicked while holding
        // it; the map itself is whole, and caching is only an optimisation.
        let mut cache = self.cache.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(cache.entry(raw.into()).or_insert(name))
    }

    /// How many distinct names were demangled (or found not mangled).
    pub fn len(&self) -> usize {
        self.cache.read().map(|c| c.len()).unwrap_or(0)
    }

    /// True before the first name.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn demangle(raw: &str, style: NameStyle) -> String {
    // The language is guessed from the name alone: debug information says
    // `C` for a Swift name given to a C function, and Swift's own DWARF
    // says Swift; the mangling tells the truth in both.
    let name = Name::new(raw, NameMangling::Unknown, Language::Unknown);
    let options = match (style, name.detect_language()) {
        (NameStyle::Full, _) => DemangleOptions::complete(),
        (NameStyle::Short, Language::Cpp | Language::ObjCpp) => DemangleOptions::name_only().parameters(true),
        (NameStyle::Short, _) => DemangleOptions::name_only(),
    };
    name.demangle(options).unwrap_or_else(|| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_short_and_full_forms() {
        let short = Names::new(NameStyle::Short);
        let full = Names::new(NameStyle::Full);
        assert_eq!(&*short.get("_ZN4demo8Renderer4drawEi"), "demo::Renderer::draw(int)");
        assert_eq!(&*full.get("_ZN4demo8Renderer4drawEi"), "demo::Renderer::draw(int)");
        // The leading underscore of a Mach-O symbol, kept by DWARF linkage
        // names of asm-labelled functions, does not hide a Swift name.
        for swift in ["$s4Demo14ViewControllerC11viewDidLoadyyF", "_$s4Demo14ViewControllerC11viewDidLoadyyF"] {
            assert_eq!(&*short.get(swift), "ViewController.viewDidLoad", "{swift}");
            assert_eq!(&*full.get(swift), "Demo.ViewController.viewDidLoad() -> ()", "{swift}");
        }
        assert_eq!(
            &*short.get("$s4Demo14ViewControllerC11viewDidLoadyyFyycfU_"),
            "closure #1 in ViewController.viewDidLoad"
        );
        assert_eq!(&*short.get("main"), "main");
        assert_eq!(&*short.get("-[NSObject description]"), "-[NSObject description]");
        assert_eq!(&*short.get("_mh_execute_header"), "_mh_execute_header");
    }

    #[test]
    fn each_name_is_demangled_once() {
        let names = Names::new(NameStyle::Short);
        let a = names.get("_ZN4demo8Renderer4drawEi");
        let b = names.get("_ZN4demo8Renderer4drawEi");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(names.len(), 1);
    }
}
