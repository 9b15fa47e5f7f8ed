"""embed_text: compiles a text file (e.g. a provider catalog) into the binary."""

def embed_text(name, src, symbol, visibility = None):
    """A cc_library exposing the bytes of `src` as `llmgw::<symbol>`.

    The header `<name>.h` declares `extern const char llmgw::<symbol>[];`
    (NUL-terminated). The text is embedded as a raw string literal, so it may
    not contain the delimiter `)llmgw_embed"`.

    Args:
      name: the cc_library's name, also the stem of the generated files.
      src: the text file.
      symbol: the C++ identifier in namespace llmgw.
      visibility: of the cc_library.
    """
    guard = ("LLMGW_EMBED_" + native.package_name() + "_" + name + "_H_").upper()
    guard = guard.replace("/", "_").replace(".", "_").replace("-", "_")
    native.genrule(
        name = name + "_gen",
        srcs = [src],
        outs = [name + ".cc", name + ".h"],
        cmd = " && ".join([
            "( echo '#ifndef %s' && echo '#define %s' && echo 'namespace llmgw {' && echo 'extern const char %s[];' && echo '}  // namespace llmgw' && echo '#endif' ) > $(location %s.h)" % (guard, guard, symbol, name),
            "( echo '#include \"%s/%s.h\"' && echo 'namespace llmgw {' && printf 'extern const char %s[] = R\"llmgw_embed(' && cat $(location %s) && echo ')llmgw_embed\";' && echo '}  // namespace llmgw' ) > $(location %s.cc)" % (native.package_name(), name, symbol, src, name),
        ]),
    )
    native.cc_library(
        name = name,
        srcs = [name + ".cc"],
        hdrs = [name + ".h"],
        visibility = visibility,
    )
