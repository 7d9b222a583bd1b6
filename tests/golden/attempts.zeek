#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796602861.590216	Csn3P9EYGMEO8RsZIa	127.0.0.21	56651	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 1	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:/YUigvcsWXLFYBFHrgcMjD1H6Es=
1796602861.593600	Cufz5v5BW67AzrqIoR	127.0.0.21	55237	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 2	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:oFslAYObHTUoyzkiBvKqgSQ9Zx0=
1796602927.590382	CXOMFvFaRMHnwMGBfg	127.0.0.21	59867	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 3	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:U8d8BsfAt81917r1W3suyW3PqLk=
1796602933.096127	CF87RYUQ3RLynwWlvp	127.0.0.21	40313	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 4	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:h+XydhWzILWn02cINzL5ts3gdEM=
#close	XXXX-XX-XX-XX-XX-XX
