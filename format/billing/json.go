package billing

// dCache's JSON billing records. With billing.format.json = true
// (dCache/dcache:skel/share/defaults/billing.properties; added in
// 83ced04067, "billing: Add option for json format") the billing cell
// writes each record as one line of JSON into the same billing-YYYY.MM.DD
// files, and no "## " headers (BillingCell.getFormattedMessage,
// getFormatHeaders). The objects are those dCache sends to Kafka
// (modules/dcache/src/main/java/org/dcache/notification/*Serializer.java),
// so they need no template: JSONFields says where each key goes, with the
// names of the text parser.
//
// Notes for a decoder:
//   - "date" is ISO_OFFSET_DATE_TIME in the JVM's zone, with its offset
//     ("2025-12-30T21:03:10.384+01:00"): the timestamp, no year rule.
//   - "cellName" is the cell without its domain ("cellDomain" holds it),
//     so it is [dcache][cell], not cell_name (cell_name is cell@domain).
//   - the version key is "version", except "VERSION" in door records.
//   - mover "transferTime" is the connection time (connection_time);
//     storage "transferTime" is transfer_time. Door "sessionDuration" is
//     the transaction time.
//   - mover "isWrite" is "write" or "read" (created true/false).
//   - file size is "fileSize", except "filesize" in pool-hit records.
//   - "storageInfo" is "class@hsm" (storage_info); door and hit records
//     leave it out without storage info, mover/remove/storage records
//     always have it.
//   - readIdle, readActive, writeIdle, writeActive are ISO-8601 durations
//     ("PT0.25S"), present only when measured; the text format prints
//     milliseconds. meanRead/WriteBandwidth are bytes/s, present when
//     not NaN.
//   - mover "protocolInfo" is an object (protocol, versionMajor,
//     versionMinor, transferTag, host, port); pool-hit "protocol" is the
//     ProtocolInfo's text, as in the text format.
//   - "subject" is an array of principal strings ("UidPrincipal[1000]").
//   - door records may nest the mover's record as "moverInfo" (without
//     subject, pnfsid and the other keys the door record has).
//   - storage records have "hsm" {type, instance, provider} and
//     "locations" (URIs).

// JSONFields maps the keys of dCache's JSON billing records (a dotted
// path for nested objects) to the fields the text parser sets. Keys whose
// meaning depends on the record say so in the key ("mover:transferTime").
var JSONFields = map[string]string{
	"msgType":                         "[dcache][msg_type]",
	"cellType":                        "[dcache][cell_type]",
	"cellName":                        "[dcache][cell]",
	"cellDomain":                      "[dcache][cell_domain]",
	"date":                            "@timestamp",
	"queuingTime":                     "[dcache][queuing_time]",
	"status.code":                     "[dcache][rc]",
	"status.msg":                      "[dcache][error_message]",
	"session":                         "[dcache][session]",
	"transaction":                     "[dcache][session]",
	"subject":                         "[dcache][subject]",
	"pnfsid":                          "[dcache][pnfsid]",
	"billingPath":                     "[dcache][path]",
	"transferPath":                    "[dcache][transfer_path]",
	"fileSize":                        "[dcache][filesize]",
	"filesize":                        "[dcache][filesize]",
	"storageInfo":                     "[dcache][storage_info]",
	"mover:transferSize":              "[dcache][transferred]",
	"mover:transferTime":              "[dcache][connection_time]",
	"mover:isWrite":                   "[dcache][created]",
	"mover:protocolInfo.protocol":     "[dcache][protocol_name]",
	"mover:protocolInfo.versionMajor": "[dcache][protocol_major_version]",
	"mover:protocolInfo.versionMinor": "[dcache][protocol_minor_version]",
	"mover:protocolInfo.host":         "[dcache][client_host]",
	"mover:protocolInfo.port":         "[dcache][client_port]",
	"mover:protocolInfo.transferTag":  "[dcache][transfer_tag]",
	"mover:initiator":                 "[dcache][initiator]",
	"mover:isP2p":                     "[dcache][p2p]",
	"mover:meanReadBandwidth":         "[dcache][mean_read_bandwidth]",
	"mover:meanWriteBandwidth":        "[dcache][mean_write_bandwidth]",
	"mover:readIdle":                  "[dcache][read_idle]",
	"mover:readActive":                "[dcache][read_active]",
	"mover:writeIdle":                 "[dcache][write_idle]",
	"mover:writeActive":               "[dcache][write_active]",
	"mover:localEndpoint":             "[dcache][local_endpoint]",
	"door:sessionDuration":            "[dcache][transaction_time]",
	"door:client":                     "[dcache][client]",
	"door:clientChain":                "[dcache][client_chain]",
	"door:mappedUID":                  "[dcache][uid]",
	"door:mappedGID":                  "[dcache][gid]",
	"door:owner":                      "[dcache][owner]",
	"door:moverInfo":                  "[dcache][mover_info]",
	"storage:transferTime":            "[dcache][transfer_time]",
	"storage:hsm.type":                "[dcache][hsm_type]",
	"storage:hsm.instance":            "[dcache][hsm_instance]",
	"storage:hsm.provider":            "[dcache][hsm_provider]",
	"storage:locations":               "[dcache][locations]",
	"hit:protocol":                    "[dcache][protocol_raw]",
	"hit:cached":                      "[dcache][cached]",
}
