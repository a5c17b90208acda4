"""The vocabulary of the demo data set, written for this project (no third-party text).

Every name, company and invention below is invented. `reviewapp.demo` combines these
pieces with a seeded random generator into applications, claims and a prior-art library.

Each area has topics; a topic is one invention: `steps` are (verb, object) pairs in the
base form ("receive", "a message ..."), turned into method steps ("receiving a message"),
system clauses ("cause the device to: receive a message") and description sentences.
The first four steps form the independent claims; the rest become dependent claims.
`where` clauses must make sense after "wherein" in a claim of either kind.
A topic of kind "product" (materials, devices made by a process) has `elements`: the body
of its product claim, and no processor; other topics are "system" topics.
"""
from __future__ import annotations

FIRST_NAMES = (
    "Amara", "Bjorn", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiroshi", "Ines", "Jonas",
    "Kavya", "Lucian", "Maren", "Nnamdi", "Odile", "Priya", "Quentin", "Rosalind", "Soren",
    "Tamsin", "Ulrike", "Vikram", "Wenjie", "Xiomara", "Yusuf", "Zofia", "Aurelio", "Beatrix",
    "Cosmin", "Delphine", "Emeka", "Fiorella", "Gideon", "Hanne", "Ilari", "Junko",
)
LAST_NAMES = (
    "Abernethy", "Barrowcliff", "Castellano", "Dunmore", "Eskildsen", "Falconer", "Gravenor",
    "Halloway", "Ibarrondo", "Jaskolski", "Kettleborough", "Lindqvist", "Marchetti", "Nakashima",
    "Okonkwo-Reyes", "Pemberton", "Quarles", "Ravensworth", "Szabados", "Thorvaldsen",
    "Umberfield", "Vasquez-Oyelaran", "Wetherby", "Xanthopoulos", "Yarborough", "Zelinski",
    "Ambrosetti", "Brightwater", "Coldicott", "Drummond-Hale", "Eberwein", "Fairbanks-Osei",
)
CITIES = (
    "Portland, OR", "Austin, TX", "Raleigh, NC", "Madison, WI", "Boulder, CO", "Ann Arbor, MI",
    "Pittsburgh, PA", "San Jose, CA", "Eindhoven", "Tampere", "Grenoble", "Kyoto",
)

# A research institute that files in every area.
INSTITUTE = "Westmere Institute of Technology"

AREAS: list[dict] = [
    {
        "key": "wireless",
        "name": "Wireless communication",
        "field": "wireless communication",
        "cpc": ["H04W 72/04", "H04W 24/10", "H04B 7/06", "H04L 5/00"],
        "generic": [
            "the {device} operates in a frequency band between 24 and 52 GHz",
            "the {device} supports carrier aggregation of at least two component carriers",
            "the {device} operates in a time-division duplex mode",
        ],
        "advantages": [
            "reduce signaling overhead", "shorten recovery latency",
            "extend device battery life", "improve link reliability",
        ],
        "background": [
            "Wireless networks increasingly rely on higher frequency bands, narrower beams and "
            "denser deployments to meet the growing demand for capacity.",
            "Each of these trends makes the radio link more sensitive to movement, blockage and "
            "interference, and raises the cost of the signaling used to manage the link.",
        ],
        "figure3": "a timing diagram of signals exchanged between the {device} and a network node",
        "applicants": [
            "Halvard Radio Systems, Inc.", "Quillwave Communications Ltd.",
            "Saltmarsh Networks Corporation", "Tenroku Mobile Co., Ltd.",
        ],
        "topics": [
            {
                "key": "beam-recovery",
                "title": "Beam Failure Recovery Using Per-Beam Reference Signal Thresholds",
                "subject": "beam failure recovery",
                "device": "user equipment",
                "context": "millimeter-wave networks",
                "feature": "per-beam reference signal thresholds",
                "parts": ["antenna array", "beam management circuit"],
                "steps": [
                    ("receive", "a configuration message identifying a plurality of candidate "
                                "beams and a reference signal threshold for each candidate beam"),
                    ("measure", "a received power of a reference signal transmitted on each of "
                                "the candidate beams"),
                    ("detect", "a beam failure event when the received power of a serving beam "
                               "remains below its reference signal threshold for a counting "
                               "interval"),
                    ("transmit", "a recovery request on a random access resource associated "
                                 "with a candidate beam whose received power exceeds its "
                                 "reference signal threshold"),
                    ("adjust", "the reference signal threshold of the serving beam based on a "
                               "measured Doppler spread"),
                    ("report", "an identifier of the candidate beam used for the recovery request "
                               "in a medium access control element"),
                ],
                "where": [
                    "the counting interval is restarted each time the received power of the "
                    "serving beam exceeds its reference signal threshold",
                    "the configuration message is received in radio resource control signaling",
                    "the random access resource is a contention-free preamble dedicated to the "
                    "candidate beam",
                ],
                "problem": "In millimeter-wave deployments a blocked serving beam can interrupt a "
                           "connection within milliseconds, and a single network-wide threshold "
                           "for declaring beam failure either reacts too slowly for narrow beams "
                           "or triggers needless recoveries for wide ones.",
                "cpc": ["H04W 76/19", "H04B 7/0695", "H04W 24/10"],
            },
            {
                "key": "sidelink-cbr",
                "title": "Sidelink Resource Selection Using Predicted Channel Busy Ratio",
                "subject": "sidelink resource selection",
                "device": "wireless device",
                "context": "vehicle-to-everything communication",
                "feature": "predicted channel busy ratio",
                "parts": ["sidelink transceiver", "congestion estimator"],
                "steps": [
                    ("sense", "a sidelink resource pool during a sensing window to obtain a "
                              "channel busy ratio for each of a plurality of subchannels"),
                    ("predict", "a future channel busy ratio for each subchannel from a history "
                                "of the obtained channel busy ratios"),
                    ("exclude", "from a candidate set any subchannel whose predicted channel "
                                "busy ratio exceeds a congestion limit"),
                    ("select", "a transmission resource from the remaining subchannels of the "
                               "candidate set"),
                    ("reduce", "a transmit power of the transmission resource when every "
                               "subchannel exceeds the congestion limit"),
                    ("broadcast", "a reservation indicator for the selected transmission "
                                  "resource in sidelink control information"),
                ],
                "where": [
                    "the future channel busy ratio is predicted with an exponentially weighted "
                    "moving average of the history",
                    "the congestion limit depends on a priority level of a packet to be "
                    "transmitted",
                    "the sensing window spans between 100 and 1100 milliseconds",
                ],
                "problem": "Vehicles that choose sidelink resources only from past sensing "
                           "results tend to crowd onto the same subchannels when traffic density "
                           "rises quickly, as at intersections, causing collisions that safety "
                           "messages cannot afford.",
                "cpc": ["H04W 72/40", "H04W 4/40", "H04W 28/0284"],
            },
            {
                "key": "wake-up-signal",
                "title": "Adaptive Wake-Up Signal Monitoring for Discontinuous Reception",
                "subject": "power saving during discontinuous reception",
                "device": "user equipment",
                "context": "cellular networks",
                "feature": "adaptive wake-up signal monitoring",
                "parts": ["low-power wake-up receiver", "main baseband processor"],
                "steps": [
                    ("monitor", "a wake-up signal occasion with a low-power receiver while a "
                                "main receiver is in a sleep state"),
                    ("determine", "a skip ratio from a count of consecutive wake-up signal "
                                  "occasions in which no wake-up signal was detected"),
                    ("skip", "a number of subsequent wake-up signal occasions equal to the skip "
                             "ratio"),
                    ("activate", "the main receiver for an on-duration of a discontinuous "
                                 "reception cycle when a wake-up signal is detected"),
                    ("reset", "the skip ratio to zero upon receiving downlink data during the "
                              "on-duration"),
                    ("indicate", "a maximum supported skip ratio to a base station in a "
                                 "capability message"),
                ],
                "where": [
                    "the low-power receiver detects the wake-up signal by envelope detection "
                    "of an on-off keyed waveform",
                    "the skip ratio is capped by a latency budget configured by a base station",
                    "the main receiver remains in the sleep state during the skipped wake-up "
                    "signal occasions",
                ],
                "problem": "A device that wakes for every paging or wake-up occasion spends much "
                           "of its battery listening for signals that rarely arrive, while fixed "
                           "long sleep cycles delay urgent downlink data.",
                "cpc": ["H04W 52/0229", "H04W 76/28", "H04W 68/005"],
            },
            {
                "key": "conditional-handover",
                "title": "Conditional Handover Triggered by Predicted Device Trajectory",
                "subject": "conditional handover",
                "device": "base station",
                "context": "dense small-cell networks",
                "feature": "trajectory prediction",
                "parts": ["mobility management unit", "backhaul interface"],
                "steps": [
                    ("receive", "location reports from a mobile device at a plurality of times"),
                    ("predict", "a trajectory of the mobile device over a prediction horizon "
                                "from the location reports"),
                    ("identify", "a target cell whose coverage area the predicted trajectory "
                                 "enters within the prediction horizon"),
                    ("send", "a conditional handover command identifying the target cell and an "
                             "execution condition to the mobile device"),
                    ("release", "resources reserved at a previously prepared target cell when "
                                "the predicted trajectory no longer enters its coverage area"),
                    ("update", "the prediction horizon based on a speed of the mobile device"),
                ],
                "where": [
                    "the execution condition comprises a received power offset between the "
                    "target cell and a serving cell",
                    "the trajectory is predicted with a Kalman filter applied to the location "
                    "reports",
                    "the conditional handover command identifies at most three target cells "
                    "ranked by predicted dwell time",
                ],
                "problem": "In dense small-cell deployments a fast-moving device crosses cell "
                           "boundaries every few seconds, and handovers prepared only from "
                           "instantaneous signal measurements often come too late or bounce "
                           "between neighbouring cells.",
                "cpc": ["H04W 36/32", "H04W 36/00837", "H04W 64/006"],
            },
            {
                "key": "prs-muting",
                "title": "Positioning Reference Signal Muting Coordinated Across Transmission "
                         "Points",
                "subject": "downlink positioning",
                "device": "location server",
                "context": "cellular positioning systems",
                "feature": "coordinated reference signal muting",
                "parts": ["positioning protocol interface", "muting pattern generator"],
                "steps": [
                    ("obtain", "an estimate of the interference that each of a plurality of "
                               "transmission points causes at a set of reference locations"),
                    ("generate", "a muting pattern that assigns each transmission point to "
                                 "positioning occasions in which it transmits a positioning "
                                 "reference signal"),
                    ("provide", "the muting pattern to the transmission points and assistance "
                                "data describing the muting pattern to a target device"),
                    ("compute", "a location of the target device from time-of-arrival "
                                "measurements reported for the positioning occasions"),
                    ("revise", "the muting pattern when a residual of the computed location "
                               "exceeds a residual threshold"),
                    ("group", "the transmission points into clusters so that no two "
                              "transmission points of a cluster transmit in the same "
                              "positioning occasion"),
                ],
                "where": [
                    "the muting pattern is a bitmap with one bit per positioning occasion",
                    "the time-of-arrival measurements are reference signal time difference "
                    "measurements",
                    "the reference locations lie on a grid with a spacing between 10 and 50 "
                    "meters",
                ],
                "problem": "Time-of-arrival positioning works poorly near strong transmission "
                           "points, whose signals drown out the weaker reference signals of "
                           "distant ones, a near-far effect that fixed muting schedules address "
                           "only on average.",
                "cpc": ["H04W 64/00", "G01S 5/10", "H04L 5/0048"],
            },
        ],
    },
    {
        "key": "security",
        "name": "Cryptography and network security",
        "field": "network security and cryptography",
        "cpc": ["H04L 9/32", "H04L 9/08", "H04L 63/08", "G06F 21/60"],
        "generic": [
            "the {device} communicates over a mutually authenticated channel",
            "the {device} records each operation in an append-only audit log",
            "the {device} performs the operations within a trusted execution environment",
        ],
        "advantages": [
            "reduce the exposure of key material", "detect attacks earlier",
            "lower the burden on legitimate users", "limit the damage of a single compromised "
            "component",
        ],
        "background": [
            "Networked systems depend on cryptographic protocols to authenticate parties and to "
            "keep data confidential.",
            "Attackers adapt quickly, and every defense adds cost in computation, latency or user "
            "effort that must be justified by the protection it provides.",
        ],
        "figure3": "a sequence diagram of messages exchanged between the {device} and a remote "
                   "party",
        "applicants": [
            "Brackenridge Security Labs, Inc.", "Cipherloom GmbH", "Veldt Trust Systems LLC",
            "Ostrander Digital Defense Corp.",
        ],
        "topics": [
            {
                "key": "hybrid-kem",
                "title": "Hybrid Key Establishment Combining Classical and Lattice-Based Key "
                         "Encapsulation",
                "subject": "hybrid key establishment",
                "device": "client device",
                "context": "transport layer security sessions",
                "feature": "lattice-based key encapsulation",
                "parts": ["key encapsulation module", "secure element"],
                "steps": [
                    ("generate", "a classical ephemeral key pair and a lattice-based key "
                                 "encapsulation key pair"),
                    ("send", "a handshake message carrying both public keys to a server"),
                    ("receive", "a classical public key of the server and a ciphertext "
                                "encapsulating a shared secret under the lattice-based public "
                                "key"),
                    ("derive", "a session key by applying a key derivation function to a "
                               "concatenation of a classical shared secret and the decapsulated "
                               "shared secret"),
                    ("abort", "the handshake when decapsulation of the ciphertext fails an "
                              "implicit rejection check"),
                    ("cache", "the lattice-based key encapsulation key pair for reuse across a "
                              "bounded number of handshakes"),
                ],
                "where": [
                    "the key derivation function binds a hash of the transcript of the "
                    "handshake into the session key",
                    "the lattice-based key encapsulation key pair is based on a module "
                    "learning-with-errors problem",
                    "the handshake message lists supported key encapsulation mechanisms in "
                    "order of preference",
                ],
                "problem": "Key exchanges based on elliptic curves may become breakable by large "
                           "quantum computers, yet lattice-based schemes have a shorter record of "
                           "public analysis, so relying on either alone carries risk.",
                "cpc": ["H04L 9/0852", "H04L 9/0841", "H04L 9/3093"],
            },
            {
                "key": "encrypted-traffic",
                "title": "Detecting Malicious Encrypted Traffic from Packet Timing Metadata",
                "subject": "detection of malicious network flows",
                "device": "network security appliance",
                "context": "encrypted enterprise traffic",
                "feature": "packet timing metadata",
                "parts": ["flow collector", "classification engine"],
                "steps": [
                    ("extract", "for each network flow a sequence of packet sizes and "
                                "inter-arrival times without decrypting the payload"),
                    ("compute", "a flow signature from a histogram of the packet sizes and a "
                                "histogram of the inter-arrival times"),
                    ("compare", "the flow signature with a set of reference signatures "
                                "associated with known command-and-control traffic"),
                    ("flag", "the network flow as suspicious when a distance between the flow "
                             "signature and a reference signature falls below a match threshold"),
                    ("block", "subsequent packets of a flagged network flow at a firewall"),
                    ("update", "the reference signatures with flow signatures confirmed "
                               "malicious by an analyst"),
                ],
                "where": [
                    "the distance is an earth mover's distance between histograms",
                    "the inter-arrival times are measured for the first 50 packets of the "
                    "network flow",
                    "the flow signature further comprises a server name read from an "
                    "unencrypted handshake field",
                ],
                "problem": "Most enterprise traffic is now encrypted, which protects users but "
                           "hides malware command-and-control channels from inspection tools "
                           "that depend on reading packet payloads.",
                "cpc": ["H04L 63/1425", "H04L 63/1416", "H04L 43/106"],
            },
            {
                "key": "device-bound-auth",
                "title": "Risk-Adaptive Authentication with Device-Bound Credentials",
                "subject": "user authentication",
                "device": "authentication server",
                "context": "web services",
                "feature": "device-bound credentials",
                "parts": ["credential store", "risk scoring module"],
                "steps": [
                    ("register", "a public key generated within a hardware-backed keystore of a "
                                 "user device"),
                    ("issue", "a challenge to the user device in response to a sign-in request"),
                    ("verify", "a signature over the challenge using the registered public key"),
                    ("compute", "a risk score for the sign-in request from a network location, "
                                "a device posture report and a time of day"),
                    ("require", "an additional verification factor when the risk score exceeds "
                                "a step-up threshold"),
                    ("revoke", "the registered public key when the device posture report "
                               "indicates a compromised operating system"),
                ],
                "where": [
                    "the hardware-backed keystore is a trusted platform module",
                    "the challenge includes a nonce valid for less than 120 seconds",
                    "the risk score is computed by a logistic model updated from confirmed "
                    "account takeovers",
                ],
                "problem": "Passwords are reused, phished and guessed, and adding a second "
                           "factor to every sign-in burdens users without distinguishing routine "
                           "sign-ins from suspicious ones.",
                "cpc": ["H04L 63/0861", "H04L 9/3247", "H04L 63/107"],
            },
            {
                "key": "firmware-rollback",
                "title": "Firmware Update Verification with Rollback Protection for Embedded "
                         "Devices",
                "subject": "secure firmware updating",
                "device": "embedded device",
                "context": "connected industrial equipment",
                "feature": "monotonic rollback counters",
                "parts": ["boot read-only memory", "one-time programmable fuse bank"],
                "steps": [
                    ("receive", "a firmware image together with a manifest signed by a vendor "
                                "signing key"),
                    ("verify", "the manifest signature with a vendor public key stored in boot "
                               "read-only memory"),
                    ("compare", "a security version number in the manifest with a monotonic "
                                "counter held in one-time programmable fuses"),
                    ("install", "the firmware image into an inactive partition only when the "
                                "security version number is not lower than the monotonic "
                                "counter"),
                    ("increment", "the monotonic counter after the installed firmware image "
                                  "completes a self-test"),
                    ("report", "an attestation record comprising a hash of the installed "
                               "firmware image to a management server"),
                ],
                "where": [
                    "the firmware image is encrypted and is decrypted with a device-unique key "
                    "before installation",
                    "the embedded device boots from the inactive partition on a trial basis "
                    "before committing to it",
                    "the manifest lists hardware revisions compatible with the firmware image",
                ],
                "problem": "An attacker who cannot forge a firmware signature can still "
                           "reinstall an older, validly signed image that contains a known "
                           "vulnerability.",
                "cpc": ["H04L 9/3247", "G06F 21/572", "G06F 8/65"],
            },
            {
                "key": "threshold-recovery",
                "title": "Threshold Recovery of Encryption Keys Across Trustee Devices",
                "subject": "encryption key recovery",
                "device": "key management system",
                "context": "end-to-end encrypted messaging",
                "feature": "threshold secret sharing",
                "parts": ["share distribution service", "trustee registry"],
                "steps": [
                    ("split", "a master key of a user into a plurality of shares using a "
                              "threshold secret sharing scheme"),
                    ("encrypt", "each share under a public key of a respective trustee device "
                                "selected by the user"),
                    ("store", "the encrypted shares in a recovery vault without access to the "
                              "master key"),
                    ("reconstruct", "the master key when at least a threshold number of trustee "
                                    "devices return decrypted shares"),
                    ("rotate", "the shares when a trustee device is removed from the recovery "
                               "group"),
                    ("notify", "each trustee device when a recovery request is initiated"),
                ],
                "where": [
                    "the threshold secret sharing scheme evaluates a random polynomial over a "
                    "prime field",
                    "the threshold number is a majority of the trustee devices",
                    "each decrypted share is returned over a channel authenticated with a "
                    "signing key of the trustee device",
                ],
                "problem": "End-to-end encryption keeps a service provider from reading "
                           "messages, but a user who loses every device also loses the keys, and "
                           "backups held by the provider would undo the protection.",
                "cpc": ["H04L 9/085", "H04L 9/0894", "H04L 9/0822"],
            },
        ],
    },
    {
        "key": "battery",
        "name": "Battery chemistry and management",
        "field": "rechargeable batteries",
        "cpc": ["H01M 10/0525", "H01M 10/44", "H01M 4/62", "H02J 7/00"],
        "generic": [
            "the {device} is installed in an electric vehicle",
            "the {device} is part of a grid-connected energy storage system",
            "the {device} reports its results over a controller area network",
        ],
        "advantages": [
            "extend battery cycle life", "shorten charging time", "improve battery safety",
            "increase usable energy density",
        ],
        "background": [
            "Lithium-ion batteries power phones, vehicles and grid storage, and each application "
            "asks for more energy, faster charging and longer life at lower cost.",
            "These goals conflict: materials that store more lithium degrade faster, and "
            "aggressive charging accelerates the side reactions that age a cell.",
        ],
        "figure3": "a graph of cell signals recorded by the {device}",
        "applicants": [
            "Voltmere Energy Materials, Inc.", "Anselm Cell Technologies GmbH",
            "Korrigan Battery Systems Ltd.", "Hoshimura Electrochemical Co., Ltd.",
        ],
        "topics": [
            {
                "key": "silicon-anode",
                "kind": "product",
                "title": "Silicon-Graphite Composite Anode with Self-Healing Polymer Binder",
                "subject": "manufacturing a battery cell having a silicon-graphite anode",
                "device": "battery cell",
                "context": "high-energy lithium-ion cells",
                "feature": "a self-healing polymer binder",
                "parts": ["cathode", "separator", "anode", "copper current collector"],
                "steps": [
                    ("mix", "silicon particles having a median diameter below 150 nanometers "
                            "with graphite particles to form an active material blend"),
                    ("disperse", "the active material blend in an aqueous solution of a binder "
                                 "polymer containing reversible hydrogen-bonding groups"),
                    ("coat", "the resulting slurry onto a copper current collector to form an "
                             "electrode layer"),
                    ("assemble", "the electrode layer as an anode with a separator and a "
                                 "cathode into the battery cell"),
                    ("calender", "the electrode layer to a porosity between 25 and 40 percent "
                                 "before assembly"),
                    ("prelithiate", "the electrode layer by contact with a lithium metal foil "
                                    "before assembly"),
                ],
                "elements": [
                    "a cathode",
                    "a separator",
                    "an anode comprising an electrode layer on a copper current collector, the "
                    "electrode layer comprising an active material blend of silicon particles "
                    "and graphite particles held together by a binder polymer containing "
                    "reversible hydrogen-bonding groups",
                ],
                "where": [
                    "the silicon particles make up between 5 and 20 percent of the active "
                    "material blend by weight",
                    "the binder polymer comprises a polyacrylic acid backbone grafted with "
                    "ureido-pyrimidinone groups",
                    "the silicon particles carry a carbon coating with a thickness between 2 "
                    "and 10 nanometers",
                    "the graphite particles are spherical natural graphite",
                ],
                "problem": "Silicon stores far more lithium than graphite, but its particles "
                           "swell to several times their volume during charging, cracking "
                           "conventional binders, so the capacity of the anode fades within a "
                           "few hundred cycles.",
                "cpc": ["H01M 4/386", "H01M 4/622", "H01M 4/587", "H01M 4/0404"],
            },
            {
                "key": "anode-potential-charging",
                "title": "Fast Charging Control Based on Estimated Anode Potential",
                "subject": "fast charging of lithium-ion batteries",
                "device": "battery management system",
                "context": "electric vehicles",
                "feature": "estimated anode potential",
                "parts": ["current sensor", "cell voltage monitor"],
                "steps": [
                    ("measure", "a terminal voltage, a current and a temperature of a battery "
                                "cell during charging"),
                    ("estimate", "an anode potential of the battery cell relative to lithium "
                                 "metal with an electrochemical model driven by the measured "
                                 "values"),
                    ("reduce", "a charging current commanded to a charger when the estimated "
                               "anode potential approaches a plating margin above zero volts"),
                    ("raise", "the charging current toward a maximum rated current while the "
                              "estimated anode potential remains above the plating margin"),
                    ("recalibrate", "parameters of the electrochemical model from a relaxation "
                                    "voltage measured after charging ends"),
                    ("preheat", "the battery cell when the measured temperature is below a "
                                "minimum charging temperature"),
                ],
                "where": [
                    "the electrochemical model is a reduced-order single-particle model with "
                    "electrolyte dynamics",
                    "the plating margin is between 10 and 50 millivolts",
                    "the charging current is updated at least once per second",
                ],
                "problem": "Charging a lithium-ion cell quickly can drive the anode potential "
                           "below that of lithium metal, plating metallic lithium that "
                           "permanently reduces capacity and may cause internal short circuits; "
                           "fixed charging profiles guard against this with wide margins that "
                           "lengthen charging.",
                "cpc": ["H01M 10/44", "H02J 7/007182", "B60L 53/62", "H01M 10/48"],
            },
            {
                "key": "partial-ica-soh",
                "title": "Estimating Battery State of Health from Partial Charging Segments",
                "subject": "state-of-health estimation",
                "device": "battery management system",
                "context": "stationary energy storage",
                "feature": "incremental capacity analysis of partial charging segments",
                "parts": ["data logger", "state estimator"],
                "steps": [
                    ("record", "voltage and accumulated charge of a battery pack over a partial "
                               "charging segment spanning less than the full state-of-charge "
                               "range"),
                    ("compute", "an incremental capacity curve from the recorded voltage and "
                                "accumulated charge"),
                    ("locate", "a peak of the incremental capacity curve within a voltage "
                               "window associated with a graphite phase transition"),
                    ("estimate", "a state of health of the battery pack from a height and a "
                                 "position of the located peak"),
                    ("schedule", "a full calibration cycle when a confidence interval of the "
                                 "estimated state of health exceeds a width limit"),
                    ("transmit", "the estimated state of health to a fleet management server"),
                ],
                "where": [
                    "the incremental capacity curve is smoothed with a Gaussian filter before "
                    "the peak is located",
                    "the partial charging segment spans a state-of-charge range between 30 and "
                    "70 percent",
                    "the state of health is estimated with a regression model trained on "
                    "laboratory aging data",
                ],
                "problem": "Measuring how much capacity a battery has lost normally requires a "
                           "full, slow discharge and recharge, which stationary storage systems "
                           "and vehicles rarely perform in ordinary use.",
                "cpc": ["H01M 10/48", "G01R 31/392", "G01R 31/3842"],
            },
            {
                "key": "halide-interlayer",
                "kind": "product",
                "title": "Solid-State Battery with Lithium-Halide Interlayer at the Cathode "
                         "Interface",
                "subject": "assembling a solid-state battery",
                "device": "solid-state battery",
                "context": "all-solid-state lithium batteries",
                "feature": "a lithium-halide interlayer",
                "parts": ["lithium metal anode", "separator layer", "composite cathode",
                          "interlayer"],
                "steps": [
                    ("deposit", "a lithium-halide interlayer with a thickness between 5 and 50 "
                                "nanometers onto particles of a layered oxide cathode material"),
                    ("mix", "the coated cathode particles with a sulfide solid electrolyte "
                            "powder to form a composite cathode"),
                    ("press", "the composite cathode, a separator layer of sulfide solid "
                              "electrolyte and a lithium metal anode into a stack at a pressure "
                              "above 300 megapascals"),
                    ("anneal", "the stack at a temperature between 80 and 150 degrees Celsius"),
                    ("clamp", "the stack at a constant stack pressure for cycling"),
                    ("seal", "the stack in a pouch under a dry argon atmosphere"),
                ],
                "elements": [
                    "a lithium metal anode",
                    "a separator layer of sulfide solid electrolyte",
                    "a composite cathode comprising particles of a layered oxide cathode "
                    "material mixed with a sulfide solid electrolyte powder, the particles being "
                    "coated with a lithium-halide interlayer",
                ],
                "where": [
                    "the lithium-halide interlayer comprises lithium indium chloride",
                    "the layered oxide cathode material is a nickel-rich lithium nickel "
                    "manganese cobalt oxide",
                    "the sulfide solid electrolyte is an argyrodite-type lithium phosphorus "
                    "sulfur chloride",
                    "the composite cathode contains between 60 and 80 percent cathode material "
                    "by weight",
                ],
                "problem": "Sulfide solid electrolytes conduct lithium ions well but decompose "
                           "on contact with high-voltage oxide cathodes, forming a resistive "
                           "layer that thickens with every cycle.",
                "cpc": ["H01M 10/0562", "H01M 4/366", "H01M 10/052", "H01M 4/62"],
            },
            {
                "key": "venting-gas",
                "title": "Early Detection of Thermal Runaway from Cell Venting Gas Signatures",
                "subject": "thermal runaway detection",
                "device": "battery pack monitoring system",
                "context": "battery packs",
                "feature": "venting gas signatures",
                "parts": ["gas sensor array", "pressure sensor"],
                "steps": [
                    ("sample", "outputs of a gas sensor array and a pressure sensor located "
                               "inside a battery pack enclosure"),
                    ("detect", "a venting event when a hydrogen concentration rises faster than "
                               "a concentration slope threshold while the enclosure pressure "
                               "rises"),
                    ("identify", "a venting cell from the relative response of gas sensors "
                                 "positioned at different modules of the battery pack"),
                    ("disconnect", "the battery pack from a load by opening a contactor in "
                                   "response to the venting event"),
                    ("activate", "a coolant flow directed at the module containing the venting "
                                 "cell"),
                    ("issue", "a warning to occupants of a vehicle before a predicted thermal "
                              "runaway"),
                ],
                "where": [
                    "the gas sensor array comprises a hydrogen sensor and a carbon dioxide "
                    "sensor",
                    "the concentration slope threshold is adapted to an ambient temperature "
                    "measured outside the enclosure",
                    "the venting event is confirmed only when detected in two consecutive "
                    "sampling periods",
                ],
                "problem": "A lithium-ion cell about to enter thermal runaway often releases gas "
                           "minutes before its temperature rises sharply, but temperature "
                           "sensors on the module surface register the event only once it is "
                           "spreading.",
                "cpc": ["H01M 10/486", "H01M 10/482", "G01N 33/0036"],
            },
        ],
    },
    {
        "key": "medical",
        "name": "Medical devices and diagnosis",
        "field": "medical diagnosis and patient monitoring",
        "cpc": ["A61B 5/00", "A61B 5/0205", "A61B 5/7267", "G16H 50/20"],
        "generic": [
            "the {device} transmits its results to an electronic health record system",
            "the {device} encrypts stored patient data",
            "the {device} displays its results on a touchscreen",
        ],
        "advantages": [
            "improve diagnostic accuracy", "reduce the burden on patients",
            "allow monitoring outside the clinic", "reduce false alarms",
        ],
        "background": [
            "Medical measurement is moving from hospitals to homes, wards and devices worn on "
            "the body.",
            "Measurements taken outside controlled settings are noisier and are read by fewer "
            "specialists, so devices must interpret signals more robustly and guide their "
            "users.",
        ],
        "figure3": "a set of signal traces processed by the {device}",
        "applicants": [
            "Corvale Medical, Inc.", "Brightmoor Health Technologies LLC",
            "Nordlicht Medizintechnik AG", "Pellham Diagnostics Corporation",
        ],
        "topics": [
            {
                "key": "cuffless-bp",
                "title": "Cuffless Blood Pressure Estimation from Wrist Photoplethysmography and "
                         "Pulse Arrival Time",
                "subject": "cuffless blood pressure estimation",
                "device": "wearable monitoring device",
                "context": "ambulatory monitoring",
                "feature": "pulse arrival time",
                "parts": ["photoplethysmography sensor", "electrocardiogram electrode pair"],
                "steps": [
                    ("acquire", "a photoplethysmogram at a wrist of a subject and an "
                                "electrocardiogram through electrodes touched by the opposite "
                                "hand"),
                    ("determine", "a pulse arrival time as the delay between an R-peak of the "
                                  "electrocardiogram and a foot of the corresponding "
                                  "photoplethysmogram pulse"),
                    ("extract", "waveform features of the photoplethysmogram pulse including a "
                                "reflection index and a dicrotic notch timing"),
                    ("estimate", "a systolic and a diastolic blood pressure from the pulse "
                                 "arrival time and the waveform features using a "
                                 "subject-specific calibration"),
                    ("prompt", "the subject to take a cuff measurement for recalibration when "
                               "the estimates drift beyond a tolerance"),
                    ("discard", "pulses during which an accelerometer indicates motion above a "
                                "motion threshold"),
                ],
                "where": [
                    "the subject-specific calibration is a linear model fitted to at least "
                    "three cuff measurements",
                    "the foot of the photoplethysmogram pulse is located by intersecting "
                    "tangents",
                    "the photoplethysmogram is acquired with green light at a wavelength "
                    "between 520 and 550 nanometers",
                ],
                "problem": "Inflatable cuffs measure blood pressure accurately but only "
                           "occasionally and with discomfort, missing the nighttime and "
                           "stress-related variations that matter for diagnosing hypertension.",
                "cpc": ["A61B 5/02125", "A61B 5/02416", "A61B 5/352"],
            },
            {
                "key": "ultrasound-guidance",
                "title": "Guided Ultrasound Probe Positioning Using Anatomical Landmark "
                         "Detection",
                "subject": "guidance of ultrasound image acquisition",
                "device": "ultrasound imaging system",
                "context": "point-of-care ultrasound",
                "feature": "anatomical landmark detection",
                "parts": ["handheld ultrasound probe", "display"],
                "steps": [
                    ("receive", "a live sequence of ultrasound images from a handheld probe"),
                    ("detect", "anatomical landmarks in each ultrasound image with a trained "
                               "detection network"),
                    ("compare", "positions of the detected landmarks with their positions in a "
                                "target standard view"),
                    ("display", "a graphical instruction to translate or rotate the probe that "
                                "reduces the difference between the detected and target "
                                "positions"),
                    ("capture", "an ultrasound image automatically once the difference remains "
                                "below an acceptance threshold for a hold period"),
                    ("log", "the captured image with a view label and a quality score to a "
                            "patient record"),
                ],
                "where": [
                    "the target standard view is an apical four-chamber view of the heart",
                    "the graphical instruction comprises an arrow overlaid on an outline of the "
                    "probe",
                    "the detection network is trained on images annotated by sonographers",
                ],
                "problem": "Point-of-care ultrasound lets clinicians image patients at the "
                           "bedside, but obtaining diagnostic views takes training that many "
                           "nurses and emergency staff do not have.",
                "cpc": ["A61B 8/4245", "A61B 8/0883", "A61B 8/5223", "G06T 7/0012"],
            },
            {
                "key": "in-ear-eeg",
                "title": "In-Ear Electroencephalography for Detecting Seizures During Sleep",
                "subject": "seizure detection",
                "device": "in-ear monitoring device",
                "context": "long-term home monitoring",
                "feature": "in-ear electroencephalography",
                "parts": ["earpiece electrodes", "low-power signal processor"],
                "steps": [
                    ("record", "an electroencephalogram between electrodes on an earpiece "
                               "placed in an ear canal of a subject"),
                    ("compute", "spectral power in a plurality of frequency bands over sliding "
                                "windows of the electroencephalogram"),
                    ("classify", "each window as ictal or non-ictal with a classifier applied "
                                 "to the spectral power and to a line-length feature"),
                    ("generate", "a seizure alert when a run of consecutive windows is "
                                 "classified as ictal"),
                    ("transmit", "the seizure alert to a caregiver device over a wireless link"),
                    ("suppress", "alerts during windows in which an electrode impedance exceeds "
                                 "an impedance limit"),
                ],
                "where": [
                    "the sliding windows have a length between 2 and 10 seconds",
                    "the classifier is an ensemble of gradient-boosted decision trees",
                    "the frequency bands include a band between 3 and 8 hertz",
                ],
                "problem": "Many seizures occur at night and go unnoticed, and scalp "
                           "electroencephalography in a hospital captures only a few days, so "
                           "physicians often rely on incomplete seizure diaries.",
                "cpc": ["A61B 5/372", "A61B 5/291", "A61B 5/4094", "A61B 5/6817"],
            },
            {
                "key": "oximetry-pigmentation",
                "title": "Pulse Oximetry with Correction for Skin Pigmentation Using "
                         "Multi-Wavelength Calibration",
                "subject": "oxygen saturation measurement",
                "device": "pulse oximeter",
                "context": "diverse patient populations",
                "feature": "multi-wavelength pigmentation correction",
                "parts": ["light emitter array", "photodetector"],
                "steps": [
                    ("emit", "light at a red wavelength, an infrared wavelength and at least "
                             "one additional visible wavelength through tissue of a subject"),
                    ("compute", "a ratio of ratios from pulsatile and non-pulsatile components "
                                "of the detected red and infrared light"),
                    ("estimate", "a melanin index of the tissue from the attenuation of the "
                                 "additional visible wavelength"),
                    ("map", "the ratio of ratios to an oxygen saturation value using a "
                            "calibration curve selected according to the melanin index"),
                    ("flag", "readings obtained with a perfusion index below a perfusion "
                             "threshold as low confidence"),
                    ("store", "a pigmentation estimate of the subject for reuse in later "
                              "measurements"),
                ],
                "where": [
                    "the additional visible wavelength is between 500 and 600 nanometers",
                    "the calibration curve is one of a family of curves indexed by ranges of "
                    "the melanin index",
                    "the light passes through a fingertip of the subject",
                ],
                "problem": "Pulse oximeters calibrated mostly on lightly pigmented subjects can "
                           "overestimate oxygen saturation in patients with darker skin, masking "
                           "hypoxemia.",
                "cpc": ["A61B 5/14552", "A61B 5/1495", "A61B 5/443"],
            },
        ],
    },
    {
        "key": "ml",
        "name": "Machine learning",
        "field": "machine learning",
        "cpc": ["G06N 3/08", "G06N 20/00", "G06N 3/045", "G06F 18/214"],
        "generic": [
            "the {device} runs on a cluster of graphics processing units",
            "the {device} logs model versions and training data identifiers for audit",
            "the {device} serves the trained model through an application programming interface",
        ],
        "advantages": [
            "reduce computational cost", "improve model accuracy", "shorten training time",
            "make model outputs easier to trust",
        ],
        "background": [
            "Machine learning models are trained and deployed across a growing range of "
            "hardware and data sources.",
            "The cost of computation, labeling and data transfer, and the need to trust what a "
            "model outputs, limit where such models can be used.",
        ],
        "figure3": "a diagram of data flowing between components of the {device}",
        "applicants": [
            "Tessellate AI, Inc.", "Greymantle Analytics Ltd.",
            "Larkspur Intelligence Systems Corp.", "Osmund Data Science GmbH",
        ],
        "topics": [
            {
                "key": "federated-drift",
                "title": "Federated Training with Server-Side Drift Correction for "
                         "Heterogeneous Clients",
                "subject": "federated training of a machine learning model",
                "device": "aggregation server",
                "context": "heterogeneous client devices",
                "feature": "server-side drift correction",
                "parts": ["model repository", "client scheduler"],
                "steps": [
                    ("distribute", "parameters of a global model to a subset of client devices "
                                   "selected for a training round"),
                    ("receive", "from each selected client device a model update computed on "
                                "local training data"),
                    ("estimate", "a drift vector for each client device as a running average of "
                                 "the difference between its model updates and a mean model "
                                 "update"),
                    ("aggregate", "the model updates after subtracting the respective drift "
                                  "vectors to produce an updated global model"),
                    ("weight", "each corrected model update by the number of local training "
                               "examples used to compute it"),
                    ("exclude", "model updates whose norm exceeds a clipping bound from the "
                                "aggregation"),
                ],
                "where": [
                    "the model updates are received in encrypted form and aggregated with a "
                    "secure aggregation protocol",
                    "the subset of client devices is selected according to battery level and "
                    "network connectivity",
                    "the running average uses a decay factor between 0.5 and 0.99",
                ],
                "problem": "Client devices in federated learning hold data that differ widely "
                           "from one another, so their local updates pull the shared model in "
                           "conflicting directions and training converges slowly or to a poor "
                           "model.",
                "cpc": ["G06N 3/098", "G06N 20/00", "G06N 3/08"],
            },
            {
                "key": "mixed-precision",
                "title": "Mixed-Precision Quantization of Neural Networks Guided by Layer "
                         "Sensitivity",
                "subject": "neural network quantization",
                "device": "model compression system",
                "context": "edge inference accelerators",
                "feature": "layer sensitivity estimates",
                "parts": ["sensitivity analyzer", "accelerator cost model"],
                "steps": [
                    ("measure", "a sensitivity of each layer of a trained neural network as the "
                                "increase in validation loss when only that layer is quantized"),
                    ("query", "an accelerator cost model for a latency of each layer at each of "
                              "a plurality of bit widths"),
                    ("assign", "a bit width to each layer by solving an optimization that "
                               "minimizes total sensitivity subject to a latency budget"),
                    ("quantize", "weights and activations of each layer to its assigned bit "
                                 "width"),
                    ("fine-tune", "the quantized neural network with quantization-aware "
                                  "training for a limited number of epochs"),
                    ("export", "the quantized neural network in a format executable by an edge "
                               "inference accelerator"),
                ],
                "where": [
                    "the plurality of bit widths comprises 2, 4 and 8 bits",
                    "the optimization is solved as an integer linear program",
                    "the sensitivity is approximated by a trace of a Hessian of the validation "
                    "loss",
                ],
                "problem": "Quantizing every layer of a network to the same low precision saves "
                           "memory and energy but damages accuracy, because some layers tolerate "
                           "coarse arithmetic far better than others.",
                "cpc": ["G06N 3/0495", "G06N 3/063", "G06N 3/082"],
            },
            {
                "key": "attributed-rag",
                "title": "Generating Answers with Verified Source Attribution Using "
                         "Retrieval-Augmented Language Models",
                "subject": "question answering",
                "device": "question answering system",
                "context": "enterprise document collections",
                "feature": "verified source attribution",
                "parts": ["document index", "language model"],
                "steps": [
                    ("retrieve", "passages relevant to a user question from a document index"),
                    ("generate", "a draft answer with a language model conditioned on the user "
                                 "question and the retrieved passages"),
                    ("verify", "for each statement of the draft answer whether a retrieved "
                               "passage entails the statement using an entailment model"),
                    ("present", "the statements entailed by a retrieved passage, each with a "
                                "citation to the passage that entails it"),
                    ("remove", "statements that no retrieved passage entails from the draft "
                               "answer"),
                    ("regenerate", "the draft answer when more than half of its statements are "
                                   "removed"),
                ],
                "where": [
                    "the passages are retrieved by combining a keyword score with an embedding "
                    "similarity",
                    "the entailment model outputs a probability and a statement is kept when "
                    "the probability exceeds 0.8",
                    "the document index excludes documents the user is not authorized to read",
                ],
                "problem": "Language models produce fluent answers that may state facts found "
                           "in none of the documents they were given, and users cannot easily "
                           "tell supported statements from invented ones.",
                "cpc": ["G06N 3/0455", "G06F 16/3329", "G06F 40/56"],
            },
            {
                "key": "active-labeling",
                "title": "Active Learning for Labeling Sensor Anomalies with Uncertainty and "
                         "Diversity Sampling",
                "subject": "training an anomaly detection model",
                "device": "training system",
                "context": "industrial sensor data",
                "feature": "uncertainty and diversity sampling",
                "parts": ["labeling interface", "embedding model"],
                "steps": [
                    ("train", "an anomaly detection model on an initial set of labeled sensor "
                              "windows"),
                    ("score", "unlabeled sensor windows by an uncertainty of the anomaly "
                              "detection model"),
                    ("cluster", "embeddings of the highest-scoring unlabeled sensor windows into "
                                "a plurality of clusters"),
                    ("select", "from each cluster the sensor window nearest its centroid for "
                               "labeling by an expert"),
                    ("retrain", "the anomaly detection model on the labeled sensor windows "
                                "together with the newly labeled windows"),
                    ("stop", "the labeling when a validation metric improves by less than a "
                             "stopping threshold between rounds"),
                ],
                "where": [
                    "the uncertainty is the entropy of a predicted anomaly probability",
                    "the embeddings are produced by a contrastively trained encoder",
                    "the number of clusters equals a labeling budget per round",
                ],
                "problem": "Anomalies in industrial sensor data are rare and labeling them takes "
                           "scarce expert time, so labeled data sets are small, and labeling "
                           "random samples mostly yields normal examples.",
                "cpc": ["G06N 20/00", "G06N 3/091", "G06F 18/2155"],
            },
        ],
    },
    {
        "key": "vehicle",
        "name": "Vehicle control",
        "field": "vehicle control",
        "cpc": ["B60W 30/09", "B60W 50/14", "B60W 40/06", "G08G 1/16"],
        "generic": [
            "the {device} receives sensor data over a vehicle bus",
            "the {device} is implemented on an electronic control unit developed to a "
            "functional safety integrity level",
            "the {device} is installed in a passenger car",
        ],
        "advantages": [
            "improve occupant comfort", "reduce the risk of collisions", "extend vehicle range",
            "keep the vehicle stable on slippery roads",
        ],
        "background": [
            "Vehicles increasingly combine electric drivetrains, driver assistance functions and "
            "automated driving.",
            "These functions act on braking, steering and propulsion at the same time, and each "
            "must respond smoothly to conditions that change faster than a driver can react.",
        ],
        "figure3": "a graph of vehicle signals over time during operation of the {device}",
        "applicants": [
            "Kittering Automotive Systems GmbH", "Marrowgate Mobility, Inc.",
            "Yoshinaga Drive Technologies Co., Ltd.", "Fenwick Chassis Controls Corp.",
        ],
        "topics": [
            {
                "key": "cut-in-acc",
                "title": "Adaptive Cruise Control Anticipating Cut-In Maneuvers of Adjacent "
                         "Vehicles",
                "subject": "longitudinal control of a host vehicle",
                "device": "vehicle control system",
                "context": "highway driving",
                "feature": "cut-in prediction",
                "parts": ["forward radar", "side-facing camera"],
                "steps": [
                    ("track", "a lateral position and a lateral velocity of an adjacent vehicle "
                              "in a lane next to the host vehicle"),
                    ("compute", "a probability that the adjacent vehicle will enter the lane of "
                                "the host vehicle within a prediction interval"),
                    ("increase", "a target following distance when the computed probability "
                                 "exceeds a cut-in threshold"),
                    ("command", "a deceleration bounded by a comfort limit to establish the "
                                "increased target following distance before the adjacent "
                                "vehicle enters the lane"),
                    ("restore", "the target following distance when the adjacent vehicle "
                                "returns to its lane"),
                    ("alert", "a driver when a required deceleration exceeds the comfort limit"),
                ],
                "where": [
                    "the probability is computed from a turn signal state of the adjacent "
                    "vehicle",
                    "the comfort limit is between 2 and 3.5 meters per second squared",
                    "the prediction interval is between 1 and 4 seconds",
                ],
                "problem": "Adaptive cruise control typically reacts to another vehicle only "
                           "once it is inside the host lane, which forces abrupt braking when "
                           "the gap it cuts into is short.",
                "cpc": ["B60W 30/16", "B60W 30/0956", "B60W 40/04"],
            },
            {
                "key": "steering-friction",
                "title": "Estimating Road Surface Friction from Steering Torque and Wheel Slip",
                "subject": "road friction estimation",
                "device": "vehicle dynamics controller",
                "context": "winter driving conditions",
                "feature": "self-aligning torque analysis",
                "parts": ["steering torque sensor", "wheel speed sensors"],
                "steps": [
                    ("measure", "a self-aligning torque of steered wheels from a steering torque "
                                "sensor and a motor current of an electric power steering unit"),
                    ("compare", "the measured self-aligning torque with a torque predicted by a "
                                "tire model for a high-friction surface"),
                    ("estimate", "a friction coefficient of the road surface from a ratio of the "
                                 "measured to the predicted self-aligning torque"),
                    ("limit", "a maximum acceleration and a maximum lateral acceleration "
                              "requested by a driver assistance function according to the "
                              "estimated friction coefficient"),
                    ("share", "the estimated friction coefficient and a location with a cloud "
                              "server for use by other vehicles"),
                    ("fuse", "the estimated friction coefficient with a slip-based estimate "
                             "obtained during braking"),
                ],
                "where": [
                    "the tire model is a brush model parameterized by a cornering stiffness of "
                    "the tires",
                    "the friction coefficient is estimated only when a lateral acceleration "
                    "exceeds 0.5 meters per second squared",
                    "the friction coefficient is updated at a rate between 10 and 100 hertz",
                ],
                "problem": "Vehicles learn that a road is slippery mostly when their wheels "
                           "start to slip, which is too late to prevent a skid during braking or "
                           "cornering.",
                "cpc": ["B60W 40/068", "B60W 40/064", "B62D 6/008"],
            },
            {
                "key": "driver-takeover",
                "title": "Handover of Control from an Automated Driving System Based on Driver "
                         "Readiness",
                "subject": "transfer of vehicle control to a driver",
                "device": "automated driving system",
                "context": "conditionally automated vehicles",
                "feature": "driver readiness estimation",
                "parts": ["driver-facing camera", "steering wheel touch sensor"],
                "steps": [
                    ("determine", "that the vehicle will leave an operational design domain of "
                                  "the automated driving system within a lead time"),
                    ("estimate", "a readiness level of the driver from a gaze direction, a head "
                                 "pose and hand contact with a steering wheel"),
                    ("issue", "a takeover request whose lead time is extended when the "
                              "estimated readiness level is below a readiness threshold"),
                    ("transfer", "longitudinal and lateral control to the driver after the "
                                 "driver has held the steering wheel and looked at the road for "
                                 "a confirmation period"),
                    ("execute", "a minimal risk maneuver that stops the vehicle in a safe "
                                "location when the driver does not respond before the lead time "
                                "expires"),
                    ("escalate", "the takeover request with seat vibration when the driver does "
                                 "not respond to a visual request"),
                ],
                "where": [
                    "the confirmation period is between 1 and 3 seconds",
                    "the readiness level is further estimated from a time since the driver "
                    "last operated a vehicle control",
                    "the minimal risk maneuver includes moving to a shoulder lane when one is "
                    "available",
                ],
                "problem": "When an automated driving system reaches the limits of its operating "
                           "conditions it must hand control back to a driver who may be reading "
                           "or looking away, and a fixed warning time can be too short for a "
                           "distracted driver.",
                "cpc": ["B60W 60/0053", "B60W 40/08", "B60W 50/14"],
            },
            {
                "key": "regen-blending",
                "title": "Blending Regenerative and Friction Braking Based on Battery Charge "
                         "Acceptance Forecast",
                "subject": "brake force distribution",
                "device": "braking controller",
                "context": "electric vehicles",
                "feature": "battery charge acceptance forecasts",
                "parts": ["traction motor inverter", "hydraulic brake modulator"],
                "steps": [
                    ("receive", "a braking request from a brake pedal sensor"),
                    ("forecast", "a charge acceptance of a traction battery over a braking "
                                 "interval from a battery temperature and a state of charge"),
                    ("allocate", "a regenerative braking torque not exceeding the forecast "
                                 "charge acceptance and a friction braking torque supplying the "
                                 "remainder of the braking request"),
                    ("blend", "the regenerative braking torque down and the friction braking "
                              "torque up at matched rates as a vehicle speed falls below a "
                              "blending speed"),
                    ("increase", "the friction braking share when a wheel slip of a driven axle "
                                 "exceeds a slip threshold"),
                    ("precondition", "the traction battery before a descent identified from "
                                     "navigation data"),
                ],
                "where": [
                    "the blending speed is between 5 and 15 kilometers per hour",
                    "the charge acceptance is forecast with a lookup table indexed by "
                    "temperature and state of charge",
                    "the braking interval is estimated from the vehicle speed and the braking "
                    "request",
                ],
                "problem": "Regenerative braking recovers energy only as fast as the battery "
                           "can accept charge, which drops when the battery is cold or nearly "
                           "full, so a brake system that assumes full regeneration produces "
                           "uneven deceleration.",
                "cpc": ["B60W 30/18127", "B60L 7/26", "B60W 10/184", "B60W 10/08"],
            },
        ],
    },
    {
        "key": "semiconductor",
        "name": "Semiconductor manufacturing",
        "field": "semiconductor device manufacturing",
        "cpc": ["H01L 21/67", "H01L 21/66", "H01L 21/02", "H01J 37/32"],
        "generic": [
            "the {device} processes wafers with a diameter of 300 millimeters",
            "the {device} reports its data to a manufacturing execution system",
            "the {device} operates in a cleanroom environment of ISO class 5 or better",
        ],
        "advantages": [
            "improve yield", "reduce wafer scrap", "tighten process control",
            "reduce metrology cost",
        ],
        "background": [
            "Semiconductor devices are built up layer by layer through hundreds of deposition, "
            "lithography, etch and polishing steps.",
            "As features shrink, variations of a few atoms in thickness or a few nanometers in "
            "position decide whether a device works, and every process step must be controlled "
            "more tightly than before.",
        ],
        "figure3": "a graph of sensor data collected by the {device} while processing a wafer",
        "applicants": [
            "Argentel Semiconductor Equipment, Inc.", "Havelock Process Technologies Ltd.",
            "Mizusawa Wafer Systems Co., Ltd.", "Crestline Nanofabrication Corp.",
        ],
        "topics": [
            {
                "key": "oes-endpoint",
                "title": "Plasma Etch Endpoint Detection Using Principal Components of Optical "
                         "Emission Spectra",
                "subject": "plasma etch endpoint detection",
                "device": "plasma processing system",
                "context": "high-aspect-ratio etching",
                "feature": "principal components of optical emission spectra",
                "parts": ["plasma chamber", "optical emission spectrometer"],
                "steps": [
                    ("acquire", "optical emission spectra of a plasma in a chamber at "
                                "successive times during an etch of a layer on a wafer"),
                    ("project", "each optical emission spectrum onto principal components "
                                "derived from reference etches"),
                    ("detect", "an endpoint of the etch when a score on a selected principal "
                               "component changes by more than an endpoint threshold"),
                    ("terminate", "the etch after an over-etch period following the detected "
                                  "endpoint"),
                    ("compensate", "the principal components for drift caused by deposits on a "
                                   "viewport of the chamber"),
                    ("record", "the endpoint time of each wafer for statistical process "
                               "control"),
                ],
                "where": [
                    "the layer is a silicon nitride layer over a silicon oxide layer",
                    "the over-etch period is between 5 and 20 percent of the time to the "
                    "detected endpoint",
                    "an exposed area of the layer is less than 1 percent of a surface of the "
                    "wafer",
                ],
                "problem": "When only a tiny fraction of the wafer is exposed, the change in "
                           "plasma emission at the end of an etch is faint and easily lost among "
                           "hundreds of wavelengths that vary for unrelated reasons.",
                "cpc": ["H01L 21/67253", "H01J 37/32972", "H01L 21/3065"],
            },
            {
                "key": "area-selective-ald",
                "kind": "product",
                "title": "Area-Selective Atomic Layer Deposition Using Inhibitor Molecules with "
                         "Periodic Correction Etch",
                "subject": "forming a semiconductor device by area-selective deposition",
                "device": "semiconductor device",
                "context": "back-end-of-line interconnects",
                "feature": "inhibitor molecules",
                "parts": ["metal line", "dielectric layer", "dielectric film", "metal via"],
                "steps": [
                    ("expose", "a substrate having a metal line and a dielectric layer to an "
                               "inhibitor molecule that adsorbs selectively on the metal line"),
                    ("grow", "a dielectric film on the dielectric layer by atomic layer "
                             "deposition cycles while the inhibitor molecule blocks growth on "
                             "the metal line"),
                    ("etch", "nuclei of the dielectric film formed on the metal line with a "
                             "correction etch after a predetermined number of atomic layer "
                             "deposition cycles"),
                    ("form", "a metal via in an opening of the dielectric film over the metal "
                             "line"),
                    ("remove", "the inhibitor molecule from the metal line with a hydrogen "
                               "plasma"),
                    ("repeat", "the growing and etching until the dielectric film reaches a "
                               "target thickness"),
                ],
                "elements": [
                    "a metal line",
                    "a dielectric layer adjacent the metal line",
                    "a dielectric film grown selectively on the dielectric layer and leaving an "
                    "opening over the metal line",
                    "a metal via in the opening, self-aligned to the metal line",
                ],
                "where": [
                    "the metal line comprises copper or cobalt",
                    "the dielectric film comprises aluminum oxide",
                    "the dielectric film has a thickness between 2 and 10 nanometers",
                    "the inhibitor molecule is an alkanethiol",
                ],
                "problem": "Patterning vias by lithography alone becomes unreliable at tight "
                           "pitches, where a small misalignment between a via and a line can "
                           "short neighbouring interconnects.",
                "cpc": ["H01L 21/0228", "H01L 21/76897", "C23C 16/04"],
            },
            {
                "key": "shape-overlay",
                "title": "Predicting Overlay Error from Wafer Shape Measurements for "
                         "Lithography Correction",
                "subject": "overlay correction in lithography",
                "device": "lithography control system",
                "context": "multi-layer wafer processing",
                "feature": "wafer shape measurements",
                "parts": ["wafer geometry tool", "scanner interface"],
                "steps": [
                    ("measure", "a shape of a wafer at a plurality of sites before exposure of "
                                "a patterning layer"),
                    ("compute", "an in-plane distortion at each site from a local curvature of "
                                "the measured shape"),
                    ("predict", "an overlay error at each exposure field with a regression "
                                "model mapping the in-plane distortion to overlay error"),
                    ("send", "correction terms derived from the predicted overlay error for "
                             "each exposure field to a lithography scanner before the "
                             "patterning layer is exposed"),
                    ("update", "the regression model with overlay errors measured after the "
                               "patterning layer is developed"),
                    ("select", "wafers for full overlay metrology when the predicted overlay "
                               "error exceeds a specification limit"),
                ],
                "where": [
                    "the correction terms include a translation, a rotation and a magnification "
                    "for each exposure field",
                    "the shape is measured by interferometry on both sides of the wafer",
                    "the regression model is a Gaussian process model",
                ],
                "problem": "Film stress from earlier process steps bows and warps wafers, "
                           "shifting patterns between layers in ways that overlay metrology "
                           "after exposure detects only once the wafer is already misprocessed.",
                "cpc": ["H01L 22/12", "G03F 7/70633", "G03F 7/70525"],
            },
            {
                "key": "cmp-eddy",
                "title": "Chemical Mechanical Polishing Control with In-Situ Eddy Current "
                         "Thickness Profiles",
                "subject": "chemical mechanical polishing control",
                "device": "polishing apparatus",
                "context": "copper interconnect planarization",
                "feature": "in-situ eddy current thickness profiles",
                "parts": ["rotating platen", "multi-zone carrier head"],
                "steps": [
                    ("measure", "a thickness profile of a conductive layer on a wafer with an "
                                "eddy current sensor in a rotating platen during polishing"),
                    ("compare", "the thickness profile with a target profile to obtain a "
                                "thickness error for each of a plurality of radial zones"),
                    ("adjust", "pressures applied by a multi-zone carrier head to the radial "
                               "zones to reduce the thickness errors"),
                    ("stop", "polishing when an average thickness of the conductive layer "
                             "reaches a target thickness"),
                    ("correct", "the eddy current signal for pad wear estimated from "
                                "accumulated polishing time"),
                    ("adapt", "initial zone pressures for a next wafer from the thickness errors "
                              "of a preceding wafer"),
                ],
                "where": [
                    "the radial zones comprise at least five concentric zones",
                    "the pressures are adjusted by a model predictive controller",
                    "the eddy current sensor samples the wafer at least once per revolution of "
                    "the platen",
                ],
                "problem": "Polishing removes material at slightly different rates across a "
                           "wafer, and correcting the carrier head pressures only between "
                           "wafers leaves dishing and erosion within each wafer uncorrected.",
                "cpc": ["H01L 21/3212", "B24B 37/013", "B24B 49/105", "H01L 22/26"],
            },
        ],
    },
    {
        "key": "food",
        "name": "Food and agriculture",
        "field": "food processing and agriculture",
        "cpc": ["A23L 3/00", "A23L 5/00", "A01G 9/24", "A23B 7/00"],
        "generic": [
            "the {device} logs every control action in a food safety record",
            "the {device} is monitored through a remote monitoring application",
            "the {device} is powered by a photovoltaic panel",
        ],
        "advantages": [
            "reduce food waste", "save water", "improve product quality", "reduce energy use",
        ],
        "background": [
            "Food production and storage are under pressure to use less water, energy and "
            "additives while losing less produce.",
            "Biological materials vary from batch to batch and season to season, so processes "
            "tuned for average conditions often waste resources or degrade quality.",
        ],
        "figure3": "a graph of measurements collected by the {device}",
        "applicants": [
            "Orchard & Vale Technologies, Inc.", "Greenhithe Agritech Ltd.",
            "Bodenfeld Lebensmitteltechnik GmbH", "Sunnock Food Sciences Corp.",
        ],
        "topics": [
            {
                "key": "dynamic-ca",
                "title": "Dynamic Controlled Atmosphere Storage of Fruit Using Chlorophyll "
                         "Fluorescence Feedback",
                "subject": "controlled atmosphere storage of fruit",
                "device": "storage room controller",
                "context": "long-term apple storage",
                "feature": "chlorophyll fluorescence feedback",
                "parts": ["fluorescence sensor", "carbon dioxide scrubber"],
                "steps": [
                    ("lower", "an oxygen concentration in a sealed storage room containing fruit "
                              "in decrements"),
                    ("monitor", "a chlorophyll fluorescence signal of sample fruit in the "
                                "storage room after each decrement"),
                    ("detect", "a low-oxygen stress response when the chlorophyll fluorescence "
                               "signal rises by more than a stress threshold"),
                    ("raise", "the oxygen concentration to a safety margin above the "
                              "concentration at which the stress response was detected"),
                    ("hold", "a carbon dioxide concentration below a carbon dioxide limit with a "
                             "scrubber"),
                    ("repeat", "the lowering and monitoring at intervals of several weeks to "
                               "follow changes in the oxygen tolerance of the fruit"),
                ],
                "where": [
                    "the safety margin is between 0.2 and 0.5 percent oxygen by volume",
                    "the fruit are apples and the storage room is held between 0 and 3 degrees "
                    "Celsius",
                    "the chlorophyll fluorescence signal is a minimal fluorescence measured "
                    "under weak modulated light",
                ],
                "problem": "Storing fruit in low oxygen slows ripening, but the lowest safe "
                           "oxygen level differs between cultivars, orchards and seasons, and "
                           "going below it causes fermentation and off-flavors.",
                "cpc": ["A23B 7/148", "A23L 3/3418", "A23B 7/152"],
            },
            {
                "key": "pea-extrusion",
                "kind": "product",
                "title": "High-Moisture Extrusion of Pea Protein with Controlled Fiber "
                         "Alignment",
                "subject": "producing a textured plant protein product",
                "device": "textured plant protein product",
                "context": "meat analogues",
                "feature": "controlled fiber alignment",
                "parts": ["protein piece", "fiber bundle", "oil emulsion layer"],
                "steps": [
                    ("hydrate", "a pea protein isolate with water to a moisture content between "
                                "55 and 70 percent by weight"),
                    ("extrude", "the hydrated protein through a twin-screw extruder having "
                                "barrel zone temperatures rising to between 140 and 160 degrees "
                                "Celsius"),
                    ("cool", "the extrudate in a cooling die having a temperature gradient "
                             "along its length so as to align protein fibers"),
                    ("cut", "the cooled extrudate into pieces across the direction of fiber "
                            "alignment and marinating the pieces in an emulsion of plant oil "
                            "and flavoring"),
                    ("freeze", "the marinated pieces for storage"),
                    ("blend", "the pea protein isolate with a fiber-forming hydrocolloid before "
                              "hydration"),
                ],
                "elements": [
                    "pieces of extruded pea protein having a moisture content between 55 and 70 "
                    "percent by weight",
                    "protein fibers aligned along a common direction within each piece",
                    "an emulsion of plant oil and flavoring absorbed into the pieces",
                ],
                "where": [
                    "the protein fibers give a ratio of cutting strength along and across the "
                    "fibers of at least 1.5",
                    "the pea protein isolate is blended with up to 20 percent wheat gluten by "
                    "weight",
                    "the plant oil is rapeseed oil",
                    "the textured plant protein product contains no soy protein",
                ],
                "problem": "Plant proteins extruded at low moisture give a spongy texture, and "
                           "high-moisture products often lack the fibrous bite of whole muscle "
                           "meat because their fibers form in no particular direction.",
                "cpc": ["A23J 3/227", "A23J 3/26", "A23L 33/185", "A23P 30/20"],
            },
            {
                "key": "canopy-irrigation",
                "title": "Irrigation Scheduling from Canopy Temperature and Soil Moisture "
                         "Forecasts",
                "subject": "irrigation scheduling",
                "device": "irrigation controller",
                "context": "field crops",
                "feature": "canopy temperature forecasts",
                "parts": ["infrared canopy thermometer", "soil moisture probe"],
                "steps": [
                    ("receive", "canopy temperature readings from infrared thermometers and "
                                "soil moisture readings from probes distributed across a field"),
                    ("compute", "a crop water stress index for each zone of the field from the "
                                "canopy temperature readings, an air temperature and a "
                                "humidity"),
                    ("forecast", "soil moisture in each zone over a forecast horizon from the "
                                 "soil moisture readings and a weather forecast"),
                    ("schedule", "an irrigation event for each zone whose forecast soil "
                                 "moisture falls below a refill point or whose crop water stress "
                                 "index exceeds a stress limit"),
                    ("command", "valves of a variable-rate irrigation system to apply a depth "
                                "of water calculated for each zone"),
                    ("defer", "a scheduled irrigation event when the weather forecast predicts "
                              "rainfall above a rainfall threshold"),
                ],
                "where": [
                    "the forecast horizon is between 3 and 7 days",
                    "the crop water stress index is normalized by baseline values for a crop "
                    "without water stress",
                    "the refill point is set for each zone from soil texture data",
                ],
                "problem": "Irrigating on a fixed calendar wastes water on some parts of a field "
                           "while others suffer stress, because soils and crop demand vary "
                           "across the field and with the weather.",
                "cpc": ["A01G 25/167", "A01G 25/16", "G06Q 50/02"],
            },
            {
                "key": "low-sugar-ferment",
                "kind": "product",
                "title": "Reduced-Sugar Fruit Beverage Fermented with Non-Saccharomyces Yeast",
                "subject": "producing a reduced-sugar fruit beverage",
                "device": "fruit beverage",
                "context": "non-alcoholic beverages",
                "feature": "non-Saccharomyces yeast fermentation",
                "parts": ["bottle", "fermented fruit juice", "headspace"],
                "steps": [
                    ("pasteurize", "a fruit juice having an initial sugar content"),
                    ("inoculate", "the pasteurized juice with a non-Saccharomyces yeast strain "
                                  "that converts sugars predominantly to organic acids and "
                                  "glycerol"),
                    ("ferment", "the inoculated juice at a temperature between 15 and 25 "
                                "degrees Celsius until the sugar content falls by at least 30 "
                                "percent"),
                    ("stop", "the fermentation by cooling and removing the yeast before an "
                             "alcohol content reaches 0.5 percent by volume"),
                    ("blend", "the fermented juice with unfermented juice to a target acidity"),
                    ("carbonate", "the blended beverage"),
                ],
                "elements": [
                    "a fermented fruit juice having a sugar content at least 30 percent lower "
                    "than that of the fruit juice before fermentation",
                    "an alcohol content below 0.5 percent by volume",
                    "glycerol and organic acids produced by a non-Saccharomyces yeast strain",
                ],
                "where": [
                    "the non-Saccharomyces yeast strain is a Lachancea species",
                    "the fruit juice is apple juice",
                    "the fruit beverage has a pH between 3.2 and 3.8",
                    "the fruit beverage contains no added sweetener",
                ],
                "problem": "Consumers want fruit beverages with less sugar, but removing sugar "
                           "by dilution or membrane filtration thins the taste, and added "
                           "sweeteners are often unwelcome.",
                "cpc": ["A23L 2/382", "A23L 2/02", "C12G 3/02", "A23L 2/54"],
            },
        ],
    },
]

# Verbs a later document may use in place of the application's (shared nouns, other words).
SYNONYMS = {
    "receive": "obtain", "transmit": "send", "send": "transmit", "compute": "calculate",
    "generate": "produce", "select": "choose", "adjust": "modify", "display": "present",
    "store": "save", "measure": "determine", "detect": "identify", "monitor": "observe",
}

# Verbs whose final consonant doubles before -ing (US spelling).
DOUBLING = {"transmit", "emit", "submit", "set", "run", "stop", "plan", "cut", "skip", "flag",
            "split", "map", "log", "scan", "drop", "permit", "admit", "omit"}
