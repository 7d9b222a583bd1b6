#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796533754.031512	ChRsWN8zCmdO87SYQh	127.0.0.10	32903	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	-	-	-	-	-	-	-	-	-	-	-	250 2.1.5 Ok	127.0.0.1,127.0.0.10	-	F	(empty)	1:6iO+hi6DXLqU/ymxCajpFN4qMwU=
1796533754.103123	ChRsWN8zCmdO87SYQh	127.0.0.10	32903	127.0.0.1	25	1	client.example.test	bob@example.test	-	Mon, 7 Dec 2026 10:00:00 +0000	<alice@example.test>	<root@example.test>	-	-	<session-a-nested-MAIL.1796533754@client.example.test>	-	session a nested MAIL	-	-	-	250 2.0.0 Ok: queued as 19141A7406E	127.0.0.1,127.0.0.10	-	F	(empty)	1:6iO+hi6DXLqU/ymxCajpFN4qMwU=
1796533754.410661	C9qkePvsW1NqkgzGlP	127.0.0.10	46015	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Mon, 7 Dec 2026 10:00:00 +0000	<alice@example.test>	<root@example.test>	-	-	<session-b-bare-EHLO.1796533754@client.example.test>	-	session b bare EHLO	-	-	-	250 2.0.0 Ok: queued as 6522FA7406E	127.0.0.1,127.0.0.10	-	F	(empty)	1:tNNgfnkXEAsLgYl2RswGG3TqPjQ=
1796533754.717724	CxI1DNpPBQbyE8vCYi	127.0.0.10	37617	127.0.0.1	25	1	client.example.test	carol@example.test	root@example.test	-	-	-	-	-	-	-	-	-	-	-	503 5.5.1 Error: DATA after BDAT	127.0.0.1,127.0.0.10	-	F	(empty)	1:twa4wIC0cMCb5JdkRNXacA/1syY=
1796533754.721986	CxI1DNpPBQbyE8vCYi	127.0.0.10	37617	127.0.0.1	25	1	client.example.test	carol@example.test	root@example.test	Mon, 7 Dec 2026 10:00:00 +0000	<carol@example.test>	<root@example.test>	-	-	<session-c-pipelined-after-BDAT.1796533754@client.example.test>	-	session c pipelined after BDAT	-	-	-	250 2.0.0 Ok: queued as B11AFA7406E	127.0.0.1,127.0.0.10	-	F	(empty)	1:twa4wIC0cMCb5JdkRNXacA/1syY=
1796533755.030155	CGSaEGHWzHiaRPuyQd	127.0.0.10	39449	127.0.0.1	25	1	client.example.test	dave@example.test	root@example.test	Mon, 7 Dec 2026 10:00:00 +0000	<dave@example.test>	<root@example.test>	-	-	<session-d-DATA-before-RCPT.1796533754@client.example.test>	-	session d DATA before RCPT	-	-	-	250 2.0.0 Ok: queued as 08B39A7406F	127.0.0.1,127.0.0.10	-	F	(empty)	1:LQ6Oc/n17ZW5GIpgRopymk0jU9E=
1796533755.655774	C65YaAv617Rtz76Nbt	127.0.0.10	49595	127.0.0.1	25	1	client.example.test	erin@example.test	root@example.test	-	-	-	-	-	-	-	-	-	-	-	521 5.5.4 Syntax: BDAT count [LAST]	127.0.0.1,127.0.0.10	-	F	(empty)	1:DyY3MpMDSn3fi7YNVgOffKmTfac=
#close	XXXX-XX-XX-XX-XX-XX
