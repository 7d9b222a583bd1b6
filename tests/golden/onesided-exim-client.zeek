#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388815.545921	CT9q0OEK9v1tv7uJke	127.0.0.1	52336	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 23:06:55 +0000	alice@example.test	root@example.test	-	-	<20261122230655.015540@vm>	-	to Exim	-	-	-	-	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:MPNeeyXv6nkGtTEz1lmnRHtfmrk=
1795388815.844507	CiRPshb9qcLh99Mjei	127.0.0.1	52342	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test,alice@example.test	Sun, 22 Nov 2026 23:06:55 +0000	alice@example.test	root@example.test,alice@example.test	-	-	<20261122230655.015545@vm>	-	test Sun, 22 Nov 2026 23:06:55 +0000	-	-	-	-	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:2Gt0ICsCux2FnFQdNEAcFNKe2S8=
1795388816.139002	CtjmXp94E76u3Vo8VO	127.0.0.1	52356	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch@example.test	-	-	-	-	-	-	-	-	-	-	-	-	127.0.0.1,127.0.0.1	-	F	(empty)	1:ufOtcieyPmusBNSxpn7+Kr5kB0w=
1795388816.425943	CsuBCxS6V0zkKAIpno	127.0.0.1	52358	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch@example.test,root@example.test	Sun, 22 Nov 2026 23:06:56 +0000	alice@example.test	nosuch@example.test,root@example.test	-	-	<20261122230656.015553@vm>	-	test Sun, 22 Nov 2026 23:06:56 +0000	-	-	-	-	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:Rk6tbZeZ6JmVVda9BPE1dO1nvT8=
1795388816.720574	CZzYUVtA0lQw5kCg8N	127.0.0.1	52366	127.0.0.1	25	1	client.example.test	alice@example.test	grey@example.test	-	-	-	-	-	-	-	-	-	-	-	-	127.0.0.1,127.0.0.1	-	F	(empty)	1:/7wH8jOfTHPpxqtqP2s/jDDNwyw=
1795388817.009856	C32RFVfuhiIMd8mpNZ	127.0.0.1	52370	127.0.0.1	25	1	client.example.test	alice@example.test	grey@example.test,alice@example.test	Sun, 22 Nov 2026 23:06:56 +0000	alice@example.test	grey@example.test,alice@example.test	-	-	<20261122230656.015561@vm>	-	test Sun, 22 Nov 2026 23:06:56 +0000	-	-	-	-	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:rZ4MUrVBF7HFjXEmBS4QHSY6oW0=
1795388817.309946	CBQExPzV1Au9fc68JU	127.0.0.1	52372	127.0.0.1	25	1	client.example.test	alice@example.test	bob@elsewhere.test	-	-	-	-	-	-	-	-	-	-	-	-	127.0.0.1,127.0.0.1	-	F	(empty)	1:33az9CSfFrOfZKfQZLzKZXU8/1s=
#close	XXXX-XX-XX-XX-XX-XX
