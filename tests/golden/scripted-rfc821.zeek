#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796533504.030448	CIMXH1iCtVMRMxylWe	127.0.0.21	48799	127.0.0.22	25	1	USC-ISIF.ARPA	Smith@Alpha.ARPA	Jones@Beta.ARPA,Green@Beta.ARPA,Brown@Beta.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:yL7YHtsXmzZNBzMyX2S0Pss3f4I=
1796533504.176323	CIMXH1iCtVMRMxylWe	127.0.0.21	48799	127.0.0.22	25	2	USC-ISIF.ARPA	-	JOE@HOSTW.ARPA	23 Oct 81 11:22:33	SMTP@HOSTY.ARPA	JOE@HOSTW.ARPA	-	-	-	-	Mail System Problem	-	-	-	250 ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:yL7YHtsXmzZNBzMyX2S0Pss3f4I=
1796533504.257434	CIMXH1iCtVMRMxylWe	127.0.0.21	48799	127.0.0.22	25	3	USC-ISIF.ARPA	JOE@ABC.ARPA	SAM@JKL.ARPA	27 Oct 81 15:01:01 PST	JOE@ABC.ARPA	SAM@JKL.ARPA	-	-	-	-	Improved Mailing System Installed	-	from ABC.ARPA by DEF.ARPA ; 27 Oct 81 15:01:59 PST	from DEF.ARPA by GHI.ARPA ; 27 Oct 81 15:15:13 PST	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:yL7YHtsXmzZNBzMyX2S0Pss3f4I=
1796533504.669237	CXP0HTOov1HnmuPkBM	127.0.0.21	58341	127.0.0.22	25	1	MIT-MC.ARPA	-	Admin.MRC@SU-SCORE.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:8cePT705Ppxuh+MzDj10j1STcVQ=
1796533504.790930	CXP0HTOov1HnmuPkBM	127.0.0.21	58341	127.0.0.22	25	2	MIT-MC.ARPA	-	Admin.MRC@SU-SCORE.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:8cePT705Ppxuh+MzDj10j1STcVQ=
1796533504.875843	CXP0HTOov1HnmuPkBM	127.0.0.21	58341	127.0.0.22	25	3	MIT-MC.ARPA	-	Admin.MRC@SU-SCORE.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:8cePT705Ppxuh+MzDj10j1STcVQ=
1796533504.956696	CXP0HTOov1HnmuPkBM	127.0.0.21	58341	127.0.0.22	25	4	MIT-MC.ARPA	EAK@MIT-MC.ARPA	Admin.MRC@SU-SCORE.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:8cePT705Ppxuh+MzDj10j1STcVQ=
1796533505.058045	CXP0HTOov1HnmuPkBM	127.0.0.21	58341	127.0.0.22	25	5	SU-SCORE.ARPA	Admin.MRC@SU-SCORE.ARPA	EAK@MIT-MC.ARPA	2 Nov 81 22:33:44	John Q. Public <JQP@MIT-AI.ARPA>	Jones@BBN-Vax.ARPA	-	-	-	-	The Next Meeting of the Board	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:8cePT705Ppxuh+MzDj10j1STcVQ=
1796533505.520857	CiG8ZoMiiOfj1n2ujT	127.0.0.21	40917	127.0.0.22	25	1	USC-ISIF.ARPA	Postel@USC-ISIF.ARPA	fabry@BERKELEY.ARPA,eric@BERKELEY.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:uA37AWr2Zu0OIzIQksNtK3BgUro=
#close	XXXX-XX-XX-XX-XX-XX
