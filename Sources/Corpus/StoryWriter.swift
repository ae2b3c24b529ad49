/// Writes the short children's stories of the `tinystories` corpus.
///
/// The stories follow a handful of plots (a lost toy, sharing food, a fear
/// at night, trying again, a lost animal, a birthday) filled from small word
/// lists, with names and pronouns kept consistent within a story. A small
/// vocabulary and repeated structure make the text learnable by a byte-level
/// model of a few hundred thousand parameters within a few hundred steps,
/// while the random fills leave enough to predict that the loss keeps falling.
struct StoryWriter {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// A child with consistent pronouns.
    private struct Child {
        let name: String
        let isGirl: Bool
        var he: String { isGirl ? "she" : "he" }
        var He: String { isGirl ? "She" : "He" }
        var him: String { isGirl ? "her" : "him" }
        var his: String { isGirl ? "her" : "his" }
        var His: String { isGirl ? "Her" : "His" }
        var kid: String { isGirl ? "girl" : "boy" }
    }

    private static let girls = ["Lily", "Mia", "Sue", "Anna", "Lucy", "Emma", "Zoe", "Kim", "Rose", "Amy"]
    private static let boys = ["Tom", "Ben", "Max", "Sam", "Leo", "Jack", "Tim", "Dan", "Bob", "Finn"]
    private static let colors = ["red", "blue", "green", "yellow", "pink", "purple", "orange", "shiny"]
    private static let toys = ["ball", "kite", "hat", "box", "book", "cup", "drum", "boat", "doll", "car"]
    private static let places = ["park", "garden", "forest", "beach", "hill", "pond", "farm", "yard"]
    private static let animals: [(name: String, sound: String)] = [
        ("cat", "Meow"), ("dog", "Woof"), ("bird", "Tweet"), ("frog", "Ribbit"),
        ("duck", "Quack"), ("cow", "Moo"), ("sheep", "Baa"), ("owl", "Hoot"),
    ]
    private static let foods = ["cake", "apple", "cookie", "banana", "sandwich", "pie", "orange", "muffin"]
    private static let activities = [
        "play outside", "sing songs", "draw pictures", "read books", "run fast",
        "dance", "jump in puddles", "look at the stars",
    ]
    private static let weathers = [
        "The sun was shining.", "It was a cold and windy day.", "The sky was blue and bright.",
        "It was raining outside.", "It was a warm summer day.", "The air was cool and fresh.",
    ]
    private static let homes = ["in a small house", "near the forest", "by the sea", "on a farm", "in a big town"]
    private static let sadWords = ["sad", "upset", "worried", "very sad"]
    private static let happyWords = ["happy", "glad", "very happy", "so happy"]

    /// One story, a paragraph of plain sentences.
    mutating func story() -> String { storySentences().joined(separator: " ") }

    /// One story as its list of sentences.
    mutating func storySentences() -> [String] {
        let hero = child()
        var sentences = [opening(hero)]
        if random.chance(0.5) { sentences.append("\(hero.He) loved to \(random.pick(Self.activities)).") }
        let plot = random.below(6)
        // The weather sets a daytime scene, which would contradict the night plot.
        if plot != 2 && random.chance(0.4) { sentences.append(random.pick(Self.weathers)) }
        switch plot {
        case 0: sentences += lostToy(hero)
        case 1: sentences += sharing(hero, friend: child(otherThan: hero))
        case 2: sentences += nightFear(hero)
        case 3: sentences += tryingAgain(hero, friend: child(otherThan: hero))
        case 4: sentences += lostAnimal(hero)
        default: sentences += birthday(hero, friend: child(otherThan: hero))
        }
        return sentences
    }

    private mutating func child(otherThan other: Child? = nil) -> Child {
        while true {
            let isGirl = random.chance(0.5)
            let candidate = Child(name: random.pick(isGirl ? Self.girls : Self.boys), isGirl: isGirl)
            if candidate.name != other?.name { return candidate }
        }
    }

    private mutating func opening(_ hero: Child) -> String {
        switch random.below(4) {
        case 0: "Once upon a time, there was a little \(hero.kid) named \(hero.name)."
        case 1: "There once was a \(random.pick(["kind", "happy", "curious", "small"])) \(hero.kid) called \(hero.name)."
        case 2: "\(hero.name) was a little \(hero.kid) who lived \(random.pick(Self.homes))."
        default: "One day, a \(hero.kid) named \(hero.name) woke up early."
        }
    }

    private mutating func lostToy(_ hero: Child) -> [String] {
        let toy = "\(random.pick(Self.colors)) \(random.pick(Self.toys))"
        let place = random.pick(Self.places)
        let animal = random.pick(Self.animals)
        let hiding = random.pick(["under a bush", "behind a big rock", "next to a tree", "in the tall grass"])
        var lines = [
            "\(hero.name) had a \(toy).",
            "\(hero.He) loved \(hero.his) \(toy) very much.",
            "One day, \(hero.name) went to the \(place) with \(hero.his) \(toy).",
            "\(hero.He) played with it all morning.",
            "Then, \(hero.his) \(toy) was gone!",
            "\(hero.name) looked everywhere, but \(hero.he) could not find it.",
            "\(hero.He) felt \(random.pick(Self.sadWords)).",
            "Then a \(animal.name) came by.",
            "The \(animal.name) said, \"\(animal.sound)! I can help you.\"",
            "The \(animal.name) found the \(toy) \(hiding).",
            "\(hero.name) was \(random.pick(Self.happyWords)).",
            "\(hero.He) said, \"Thank you, \(animal.name)!\"",
        ]
        if random.chance(0.6) {
            lines.append("From that day on, \(hero.name) and the \(animal.name) were best friends.")
        }
        return lines
    }

    private mutating func sharing(_ hero: Child, friend: Child) -> [String] {
        let food = random.pick(Self.foods)
        let spot = random.pick(["under a tree", "on the grass", "by the window", "on a bench"])
        var lines = [
            "\(hero.name) and \(friend.name) were good friends.",
            "One day, \(hero.name) had a big \(food).",
            "\(friend.name) had no \(food), and \(friend.he) was hungry.",
        ]
        if random.chance(0.5) {
            lines += [
                "At first, \(hero.name) did not want to share.",
                "But \(friend.name) looked \(random.pick(Self.sadWords)), and \(hero.name) felt bad.",
            ]
        } else {
            lines.append("\(hero.name) thought for a moment.")
        }
        lines += [
            "Then \(hero.he) said, \"Do you want to share my \(food)?\"",
            "\(friend.name) smiled and said, \"Yes, please!\"",
            "They sat \(spot) and ate the \(food) together.",
            "It was the best \(food) ever.",
            "\(hero.name) learned that sharing makes everyone happy.",
        ]
        return lines
    }

    private mutating func nightFear(_ hero: Child) -> [String] {
        let parent = random.chance(0.5) ? (name: "Mom", pronoun: "she", they: "She") : (name: "Dad", pronoun: "he", they: "He")
        let cause = random.pick([
            ("a loud noise outside", "the wind"), ("a scratch at the door", "the cat"),
            ("a tap on the window", "the rain"), ("a strange sound in the hall", "the old clock"),
        ])
        return [
            "It was a dark night.",
            "\(hero.name) heard \(cause.0).",
            "\(hero.He) was scared.",
            "\(hero.He) ran to \(hero.his) \(parent.name.lowercased()).",
            "\"\(parent.name), I am scared,\" said \(hero.name).",
            "\(hero.His) \(parent.name.lowercased()) gave \(hero.him) a big hug.",
            "\"Do not be scared. It is only \(cause.1),\" \(parent.pronoun) said.",
            "\(hero.name) felt better.",
            random.chance(0.5) ? "Soon \(hero.he) was fast asleep." : "\(hero.He) closed \(hero.his) eyes and dreamed of the \(random.pick(Self.places)).",
        ]
    }

    private mutating func tryingAgain(_ hero: Child, friend: Child) -> [String] {
        let goal = random.pick([
            ("fly \(hero.his) kite", "the kite fell down", "the kite flew high in the sky"),
            ("climb the big tree", "\(hero.he) slipped", "\(hero.he) reached the top"),
            ("build a tall tower", "the tower fell over", "the tower stood tall"),
            ("catch a fish", "the fish swam away", "\(hero.he) caught a big fish"),
            ("ride \(hero.his) bike", "\(hero.he) fell off", "\(hero.he) rode all the way down the road"),
        ])
        return [
            "\(hero.name) wanted to \(goal.0).",
            "\(hero.He) tried, but \(goal.1).",
            "\(hero.He) felt \(random.pick(Self.sadWords)).",
            "\(hero.His) friend \(friend.name) said, \"Do not give up! Try again.\"",
            "So \(hero.name) tried again, and again.",
            "At last, \(goal.2).",
            "\(hero.name) and \(friend.name) cheered.",
            "\(hero.name) was very proud.",
        ]
    }

    private mutating func lostAnimal(_ hero: Child) -> [String] {
        let animal = random.pick(Self.animals)
        let place = random.pick(Self.places)
        let found = random.pick(["near the big tree", "by the water", "behind the old fence", "under a bridge"])
        return [
            "One day, \(hero.name) went to the \(place).",
            "There, \(hero.he) saw a little \(animal.name).",
            "The \(animal.name) looked \(random.pick(Self.sadWords)).",
            "\"What is wrong?\" asked \(hero.name).",
            "\"I am lost,\" said the \(animal.name). \"I cannot find my mom.\"",
            "\(hero.name) wanted to help.",
            "Together they looked all around the \(place).",
            "Soon they found the \(animal.name)'s mom \(found).",
            "The little \(animal.name) was \(random.pick(Self.happyWords)). \"\(animal.sound)! Thank you!\" it said.",
            "\(hero.name) smiled all the way home.",
        ]
    }

    private mutating func birthday(_ hero: Child, friend: Child) -> [String] {
        let cakeColor = random.pick(Self.colors)
        let gift = "\(random.pick(Self.colors)) \(random.pick(Self.toys))"
        return [
            "Today was \(hero.name)'s birthday.",
            "\(hero.He) was very excited.",
            "\(hero.His) mom made a big \(cakeColor) cake.",
            "\(hero.His) friends came to the party.",
            "They played games and sang songs.",
            "\(friend.name) gave \(hero.name) a \(gift).",
            "\(hero.name) said, \"Thank you, I love it!\"",
            "It was the best day ever.",
        ]
    }

    /// `count` distinct narrative sentences of at most `maxLength` characters
    /// from fresh stories, without dialogue (no quotation marks), for tasks
    /// that transform a sentence.
    mutating func plainSentences(count: Int, maxLength: Int) -> [String] {
        var result: [String] = []
        var seen: Set<String> = []
        while result.count < count {
            for sentence in storySentences() where result.count < count && sentence.count <= maxLength && !sentence.contains("\"") {
                if seen.insert(sentence).inserted { result.append(sentence) }
            }
        }
        return result
    }
}
