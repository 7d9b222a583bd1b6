#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388820.882889	CLBrslTwUKmVlFioIf	127.0.0.1	52692	127.0.0.2	25	1	client.example.org	alice@example.org	root@example.test,alice@example.test	Sun, 22 Nov 2026 23:07:00 +0000	Alice <alice@example.org>	root@example.test,alice@example.test	-	-	<E1xVGeC-000447-2m@client.example.org>	-	relayed by Exim with CHUNKING	-	from root by client.example.org with local (Exim 4.96)\x09(envelope-from <alice@example.org>)\x09id 1xVGeC-000447-2m;\x09Sun, 22 Nov 2026 23:07:00 +0000	-	250 OK id=1xVGeC-00044A-2r	127.0.0.2,127.0.0.1	-	F	(empty)	1:ArL6LcoweBHf1qi5iLnaWMzMVpQ=
1795388820.979803	CGME6etwaxfne5JP2M	127.0.0.1	52698	127.0.0.2	25	1	client.example.org	alice@example.org	root@example.test	Sun, 22 Nov 2026 23:07:00 +0000	alice@example.org	root@example.test	-	-	<E1xVGeC-00044F-34@client.example.org>	-	short	-	from root by client.example.org with local (Exim 4.96)\x09(envelope-from <alice@example.org>)\x09id 1xVGeC-00044F-34\x09for root@example.test;\x09Sun, 22 Nov 2026 23:07:00 +0000	-	250 OK id=1xVGeC-00044I-3B	127.0.0.2,127.0.0.1	-	F	(empty)	1:W9pk1nCc3AoVvNjX9vmKjrtAYSM=
#close	XXXX-XX-XX-XX-XX-XX
