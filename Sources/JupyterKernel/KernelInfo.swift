import Engine

/// The content of `kernel_info_reply`: who this kernel is and which language
/// it speaks, taken from the engine so every front end describes it alike.
enum KernelInfo {
    static let implementation = "loralab"
    static let implementationVersion = "0.1.0"

    static func replyContent(for language: LanguageInfo) -> [String: Any] {
        [
            "status": "ok",
            "protocol_version": WireCodec.protocolVersion,
            "implementation": implementation,
            "implementation_version": implementationVersion,
            "language_info": [
                "name": language.name,
                "version": language.version,
                "mimetype": language.mimetype,
                "file_extension": language.fileExtension,
                "pygments_lexer": language.pygmentsLexer,
                "codemirror_mode": language.codemirrorMode,
            ],
            "banner": language.banner,
            "help_links": language.helpLinks.map { ["text": $0.text, "url": $0.url] },
            "debugger": false,
            // Protocol 5.5's optional parts this kernel offers: none of
            // "kernel subshells" (docs/protocol.md says why).
            "supported_features": [String](),
        ]
    }
}
