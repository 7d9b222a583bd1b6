#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796537151.287621	CjukE8sClnjgdDWDUA	2001:db8:25::10	54482	2001:db8:25::25	25	1	client.example.test	alice@example.test	bob@example.test	Thu, 01 Jan 2026 09:00:00 +0000	Alice <alice@example.test>	Bob <bob@example.test>	-	-	<evasion-ipv6-frag-id-fold@example.test>	-	Quarterly report for the board	-	-	-	250 2.0.0 Ok	2001:db8:25::25,2001:db8:25::10	-	F	(empty)	1:E1ccJyMkYR1qKYY+/Q6kQVCIIoM=
#close	XXXX-XX-XX-XX-XX-XX
