//! Spintax turned into one minijinja template: each group becomes an
//! `{% if __flock_spin[i] == k %}` chain, so every variant is rendered by one
//! compiled template, and the choice vector (from the target's seed) is
//! passed in the context. A map from output offsets back to source offsets
//! lets minijinja's errors name the position in the user's text.

use super::spintax::Node;

/// The context key holding the spintax choices.
pub(crate) const SPIN: &str = "__flock_spin";

#[derive(Debug, Clone, Default)]
pub(crate) struct Emitted {
    pub text: String,
    /// (output offset, source offset, length) of verbatim copies of tags.
    segments: Vec<(usize, usize, usize)>,
}

impl Emitted {
    pub fn from_nodes(nodes: &[Node], src: &str) -> Self {
        let mut e = Self::default();
        e.emit(nodes, src);
        e
    }

    fn emit(&mut self, nodes: &[Node], src: &str) {
        for n in nodes {
            match n {
                Node::Text(t) => {
                    // A literal `{` (from `\{`) must not meet a following
                    // character to form a tag opener.
                    for (i, piece) in t.split('{').enumerate() {
                        if i > 0 {
                            self.text.push_str("{{ \"{\" }}");
                        }
                        self.text.push_str(piece);
                    }
                }
                Node::Tag(r) => {
                    self.segments.push((self.text.len(), r.start, r.len()));
                    self.text.push_str(&src[r.clone()]);
                }
                Node::Group { index, options, .. } => {
                    for (k, option) in options.iter().enumerate() {
                        let kw = if k == 0 { "if" } else { "elif" };
                        self.text
                            .push_str(&format!("{{% {kw} {SPIN}[{index}] == {k} %}}"));
                        self.emit(option, src);
                    }
                    self.text.push_str("{% endif %}");
                }
            }
        }
    }

    /// The source offset of an output offset (tags map exactly; anything
    /// else maps to the nearest tag before it).
    pub fn source_offset(&self, out: usize) -> usize {
        let mut best = 0;
        for &(o, s, len) in &self.segments {
            if out >= o && out < o + len {
                return s + (out - o);
            }
            if o <= out {
                best = s + len;
            }
        }
        best
    }
}

/// Every option of every group (depth first, innermost before outer), each
/// emitted alone: a block tag split across options fails to compile here.
pub(crate) fn options_alone(nodes: &[Node], src: &str) -> Vec<Emitted> {
    let mut out = Vec::new();
    collect(nodes, src, &mut out);
    out
}

fn collect(nodes: &[Node], src: &str, out: &mut Vec<Emitted>) {
    for n in nodes {
        if let Node::Group { options, .. } = n {
            for o in options {
                collect(o, src, out);
                out.push(Emitted::from_nodes(o, src));
            }
        }
    }
}
