/// Writes the `facts` fine-tuning task: questions and answers about an
/// invented world (countries, their capitals, rivers and cities, inventors
/// and their inventions).
///
/// This is a *knowledge* task: no name in it occurs in any pre-training text,
/// so the facts can only come from fine-tuning. Every fact is asked in five
/// phrasings; four are trained and the fifth is held out, so held-out loss
/// measures whether the fact was learned, not whether a sentence was memorised.
/// Which phrasing is held out rotates from fact to fact, so every phrasing
/// also appears in training.
struct FictionalWorldWriter {
    /// One fact: the questions that ask it (one per phrasing) and its answer.
    struct Fact {
        let questions: [String]
        let answer: String
    }

    static let phrasingsPerFact = 5

    private struct Country {
        let name: String
        let capital: String
        let secondCity: String
        let river: String
        let inventor: String
        let invention: String
    }

    private static let onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
                                 "br", "dr", "gr", "kr", "tr", "th", "sh", "st"]
    private static let vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
    private static let countryEndings = ["ia", "land", "mark", "ora", "eth", "avia"]
    private static let cityEndings = ["ton", "mora", "heim", "vale", "burg", "port", "wick"]
    private static let givenNameEndings = ["a", "o", "en", "is", "ar"]
    private static let familyNameEndings = ["er", "an", "ski", "ov", "son", "ith"]
    private static let inventionWords = ["cloud", "star", "glimmer", "thunder", "moon", "frost", "echo", "ember",
                                         "whisper", "sun"]
    private static let inventionThings = ["wheel", "loom", "kettle", "lantern", "compass", "harp", "engine", "bell",
                                          "lens", "clock"]

    /// The facts of a world of `countryCount` countries, five per country.
    static func facts(countryCount: Int, seed: UInt64) -> [Fact] {
        var namer = Namer(random: SplitMix64(seed: seed))
        var countries: [Country] = []
        for _ in 0..<countryCount {
            countries.append(Country(
                name: namer.unique { $0.word(syllables: 2, ending: $0.pick(countryEndings)) },
                capital: namer.unique { $0.word(syllables: 2, ending: $0.pick(cityEndings)) },
                secondCity: namer.unique { $0.word(syllables: 2, ending: $0.pick(cityEndings)) },
                river: namer.unique { $0.word(syllables: 2, ending: "a") },
                inventor: namer.unique {
                    $0.word(syllables: 1, ending: $0.pick(givenNameEndings)) + " "
                        + $0.word(syllables: 2, ending: $0.pick(familyNameEndings))
                },
                invention: namer.unique { $0.pick(inventionWords) + " " + $0.pick(inventionThings) }
            ))
        }
        return countries.flatMap(facts(about:))
    }

    private static func facts(about country: Country) -> [Fact] {
        let c = country
        return [
            Fact(questions: [
                "What is the capital of \(c.name)?", "Which city is the capital of \(c.name)?",
                "Name the capital city of \(c.name).", "Tell me the capital of \(c.name).",
                "\(c.name) has which city as its capital?",
            ], answer: "The capital of \(c.name) is \(c.capital)."),
            Fact(questions: [
                "What is the longest river in \(c.name)?", "Which river is the longest in \(c.name)?",
                "Name the longest river of \(c.name).", "Tell me the longest river in \(c.name).",
                "The longest river in \(c.name) is called what?",
            ], answer: "The longest river in \(c.name) is the \(c.river) River."),
            Fact(questions: [
                "In which country is \(c.secondCity)?", "Which country is \(c.secondCity) in?",
                "Where is the city of \(c.secondCity)?", "Tell me which country \(c.secondCity) belongs to.",
                "\(c.secondCity) is a city in which country?",
            ], answer: "\(c.secondCity) is a city in \(c.name)."),
            Fact(questions: [
                "Who invented the \(c.invention)?", "Who was the inventor of the \(c.invention)?",
                "Which person created the \(c.invention)?", "Tell me who invented the \(c.invention).",
                "The \(c.invention) was invented by whom?",
            ], answer: "The \(c.invention) was invented by \(c.inventor)."),
            Fact(questions: [
                "Where was \(c.inventor) born?", "In which city was \(c.inventor) born?",
                "What is the birthplace of \(c.inventor)?", "Tell me where \(c.inventor) was born.",
                "\(c.inventor) was born in which city?",
            ], answer: "\(c.inventor) was born in \(c.secondCity)."),
        ]
    }

    /// Invents pronounceable names and never hands out the same one twice.
    private struct Namer {
        var random: SplitMix64
        var used: [String] = []

        mutating func pick(_ choices: [String]) -> String { random.pick(choices) }

        mutating func word(syllables: Int, ending: String) -> String {
            var word = ""
            for _ in 0..<syllables { word += random.pick(onsets) + random.pick(vowels) }
            word += random.pick(onsets.filter { $0.count == 1 }) + ending
            return word.prefix(1).uppercased() + word.dropFirst()
        }

        mutating func unique(_ make: (inout Namer) -> String) -> String {
            while true {
                let candidate = make(&self)
                if !used.contains(candidate) {
                    used.append(candidate)
                    return candidate
                }
            }
        }
    }
}
